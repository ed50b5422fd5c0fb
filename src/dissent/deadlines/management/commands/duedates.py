from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.deadlines.channel import policy_for
from dissent.deadlines.presets import PRESETS


class Command(BaseCommand):
    help = "When would a memo filed at a given time be due? Prints the acknowledgment and reply due dates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", required=True, help=f"One of: {', '.join(PRESETS)}.")
        parser.add_argument("--filed", required=True, help="Local filing time, e.g. 2026-12-24T16:30.")
        parser.add_argument(
            "--tz", required=True, help="The organisation's time zone, e.g. America/New_York."
        )
        parser.add_argument(
            "--calendar", required=True, help="Country code for public holidays, e.g. US or ID."
        )
        parser.add_argument("--subdivision", default=None, help="Optional subdivision, e.g. a US state.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            policy = policy_for(options["preset"], options["calendar"], options["tz"], options["subdivision"])
        except (ValueError, KeyError, NotImplementedError, ZoneInfoNotFoundError) as bad:
            raise CommandError(str(bad)) from bad
        try:
            filed = datetime.fromisoformat(options["filed"])
        except ValueError as bad:
            raise CommandError(f"--filed must be an ISO 8601 time like 2026-12-24T16:30 ({bad})") from bad
        filed = filed.replace(tzinfo=policy.tz) if filed.tzinfo is None else filed
        try:
            acknowledge_by, reply_by = policy.due_dates(filed)
        except ValueError as bad:
            raise CommandError(str(bad)) from bad
        self.stdout.write(f"filed:        {filed.isoformat()}")
        self.stdout.write(
            f"acknowledge:  {acknowledge_by.isoformat()}  ({policy.preset.acknowledgment.describe()})"
        )
        self.stdout.write(f"reply:        {reply_by.isoformat()}  ({policy.preset.reply.describe()})")
