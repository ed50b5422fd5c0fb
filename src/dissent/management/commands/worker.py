from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dissent.worker import run_forever


class Command(BaseCommand):
    help = "Run the background worker: the log sequencer, reminders, escalations and e-mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between sequencing rounds.")
        parser.add_argument("--stop-after", type=float, default=None, help="Stop after this many seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"worker: sequencing the log and running tasks every {options['interval']} s")
        run_forever(interval=options["interval"], stop_after=options["stop_after"])
