from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication

from dissent.wsgi import application


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return application


class Command(BaseCommand):
    help = "Serve the site in production with gunicorn (threaded workers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2, help="Worker processes (default 2).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4).")
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="Address to listen on (default 127.0.0.1:8000)."
        )
        parser.add_argument(
            "--timeout", type=int, default=30, help="Seconds before a stuck worker is restarted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        _Gunicorn(
            {
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "timeout": options["timeout"],
                "accesslog": None,
                "errorlog": "-",
            }
        ).run()
