"""The channel's clock: every timestamp the domain writes comes from `now()`.

In production `now()` is simply `django.utils.timezone.now()`. The one exception is the
demo, which replays a back-story of memos filed, acknowledged and answered over past
months: inside `replaying(moment)` the clock runs from `moment` onwards (it keeps
ticking), so the replayed actions write the same rows and events a real history would,
and the statistics and deadlines built on them show real figures. Tests control time with
time-machine instead, which moves `timezone.now()` itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.utils import timezone

_offset: ContextVar[timedelta] = ContextVar("clock_offset", default=timedelta(0))


def now() -> datetime:
    return timezone.now() + _offset.get()


@contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    """Run the block as if the clock read `moment` when it started."""
    token = _offset.set(moment - timezone.now())
    try:
        yield
    finally:
        _offset.reset(token)
