import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `dissent backup` into this instance's empty database (and, with --keys, "
        "its key files into var/); then verify the log, and each --check-receipt against it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="The backup directory.")
        parser.add_argument("--keys", action="store_true", help="Also restore the backup's key files.")
        parser.add_argument(
            "--check-receipt",
            action="append",
            default=[],
            metavar="FILE",
            help="A filing receipt issued before the backup, to verify against the restored log.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        receipts = []
        for path in options["check_receipt"]:
            try:
                receipts.append(json.loads(Path(path).read_text()))
            except (OSError, ValueError) as failure:
                raise CommandError(f"cannot read the receipt {path}: {failure}") from failure
        try:
            restored = restore(Path(options["directory"]), with_keys=options["keys"], receipts=receipts)
        except BackupError as failure:
            raise CommandError(f"restore FAILED: {failure}") from failure
        self.stdout.write(self.style.SUCCESS(f"restored; log verified: {restored.log_message}"))
        if restored.receipts_checked:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{restored.receipts_checked} receipt(s) verified against the restored log"
                )
            )
