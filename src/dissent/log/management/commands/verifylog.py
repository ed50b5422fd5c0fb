from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.log.audit import verify_log


class Command(BaseCommand):
    help = "Check the whole stored log: every leaf against its event, every tree head's root and signature."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip-columns", action="store_true", help="Do not compare each event's fields with its record."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify_log(check_columns=not options["skip_columns"])
        if not verdict.ok:
            raise CommandError(f"log verification FAILED: {verdict.message}")
        self.stdout.write(self.style.SUCCESS(f"log verified: {verdict.message}"))
