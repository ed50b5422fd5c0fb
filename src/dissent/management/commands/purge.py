from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dissent.memos import retention


class Command(BaseCommand):
    help = "Purge the texts and identities of memos closed longer ago than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be purged.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention.plan() if options["dry_run"] else retention.purge()
        for line in report.lines():
            self.stdout.write(line)
        if not options["dry_run"] and report.memos:
            self.stdout.write(self.style.SUCCESS(f"purged {len(report.memos)} memo(s)"))
