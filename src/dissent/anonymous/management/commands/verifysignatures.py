import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from dissent.anonymous import queries
from dissent.anonymous.verification import check_export


class Command(BaseCommand):
    help = (
        "Check every anonymous signature of a memo's JSON export against the ring it names, and print "
        "the exact count. Where this channel's database is reachable, also check that the ring is the "
        "roster its log holds at the stated size (--offline skips that)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("export", help="The memo's JSON export (Export as JSON on the memo page).")
        parser.add_argument("--offline", action="store_true", help="Do not compare the ring with this log.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            export = json.loads(Path(options["export"]).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"cannot read the export: {error}") from error
        if not isinstance(export, dict) or export.get("format") != "dissent-channel/memo-export/v1":
            raise CommandError("this is not a Dissent Channel memo export")
        count, problems = check_export(export)
        section = export.get("anonymous")
        if section and not options["offline"] and not problems:
            problems += self._against_log(section)
        if problems:
            raise CommandError("signatures do NOT verify:\n  - " + "\n  - ".join(problems))
        total = count.named + count.protected + count.anonymous
        if section and section.get("count_both_ways"):
            self.stdout.write(
                "this memo let a member sign both by name and anonymously: one person may count twice"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"memo {export['memo']['id']}: {total} signatures: {count.named} named, {count.protected} "
                f"protected, {count.anonymous} anonymous, all verified"
            )
        )

    def _against_log(self, section: dict[str, Any]) -> list[str]:
        try:
            logged = queries.roster(section["group"], int(section["log_size"]))
        except DatabaseError:
            self.stderr.write("no database here: the ring was not compared with the log (use --offline)")
            return []
        if logged != section["ring"]:
            return [f"the ring is not the roster of {section['group']} at log size {section['log_size']}"]
        self.stdout.write(f"the ring is the roster of {section['group']} at log size {section['log_size']}")
        return []
