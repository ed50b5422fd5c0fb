import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from urllib.request import urlopen

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.log.verify import check_receipt


class Command(BaseCommand):
    help = (
        "Verify a filing receipt offline. With --against, also prove that a later tree head (a JSON file "
        "holding tree_head and consistency_proof, or the URL of a channel's /api/v1/log/sth) extends it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("receipt", help="The receipt JSON file.")
        parser.add_argument(
            "--against", help="A later tree head: a JSON file or an http(s) URL of /api/v1/log/sth."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        receipt = _load_json(options["receipt"])
        later = _later(options["against"], receipt) if options["against"] else None
        problems = check_receipt(receipt, later)
        if problems:
            raise CommandError("receipt does NOT verify:\n  - " + "\n  - ".join(problems))
        memo, content, count = receipt["memo"], receipt["content_sha256"], receipt["signature_count"]
        leaf, size = receipt["event"]["index"], receipt["tree_head"]["tree_size"]
        key = receipt["log_key_fingerprint"][:16]
        self.stdout.write(
            self.style.SUCCESS(
                f"receipt verified: memo {memo} filed with content {content} and {count} signatures, "
                f"leaf {leaf} of the log of size {size} signed by key {key}"
            )
        )
        if later is not None:
            self.stdout.write(
                self.style.SUCCESS(f"and the log of size {later['tree_head']['tree_size']} extends it")
            )


def _load_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as failure:
        raise CommandError(f"cannot read {path}: {failure}") from failure


def _later(against: str, receipt: Any) -> Any:
    if not against.startswith(("http://", "https://")):
        return _load_json(against)
    try:
        with urlopen(against, timeout=10) as response:  # noqa: S310 - the scheme is checked above
            head = json.load(response)
        parts = urlsplit(against)
        query = urlencode({"first": receipt["tree_head"]["tree_size"], "second": head["tree_size"]})
        consistency_url = urlunsplit(
            (parts.scheme, parts.netloc, parts.path.rsplit("/", 1)[0] + "/consistency", query, "")
        )
        with urlopen(consistency_url, timeout=10) as response:  # noqa: S310
            proof = json.load(response)
    except (OSError, ValueError, KeyError) as failure:
        raise CommandError(f"cannot fetch the later tree head from {against}: {failure}") from failure
    return {"tree_head": head, "consistency_proof": proof["proof"]}
