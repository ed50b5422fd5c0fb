from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the running instance into a new directory: the database (pg_dump, or SQLite's online "
        "backup) and a manifest; with --keys also the key files under var/, in keys/ (store those apart)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="A new (or empty) directory to write the backup into.")
        parser.add_argument("--keys", action="store_true", help="Also copy the key files from var/.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(Path(options["directory"]), with_keys=options["keys"])
        except BackupError as failure:
            raise CommandError(f"backup FAILED: {failure}") from failure
        head = manifest["tree_head"]
        size = head["tree_size"] if head else 0
        keys = ", ".join(manifest["keys"]) or "none (keys from the environment, or not asked for)"
        self.stdout.write(
            self.style.SUCCESS(
                f"backed up the {manifest['engine']} database into {options['directory']}: log of at least "
                f"{size} events; key files: {keys}"
            )
        )
