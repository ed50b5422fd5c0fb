"""Secrets generated on first use into files under var/, safely when several processes
start at once: the first complete file wins and everyone reads that one."""

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The secret stored at `path`; if there is none yet, store `make()` there first.

    The new secret is written to a private temporary file and hard-linked into place,
    which fails if another process got there first; either way every caller then reads
    the one file that won, never a half-written one.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it with mode 0600
                handle.write(make())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
