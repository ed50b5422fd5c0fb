import gc
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
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="Threads per worker (default 4). With 1, each worker is gunicorn's sync worker: one"
            " request at a time and no keep-alive, so a worker takes a new connection only when it is"
            " free (put a reverse proxy in front to keep clients' connections).",
        )
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="Address to listen on (default 127.0.0.1:8000)."
        )
        parser.add_argument(
            "--timeout", type=int, default=30, help="Seconds before a stuck worker is restarted."
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=1000,
            help="Open connections one threaded worker holds at most (default 1000); a worker at its"
            " limit leaves new connections to the others, which evens out kept-alive clients.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The application is loaded by now, before the workers fork: move its objects out of
        # the collector's reach, so that workers' collections scan only what requests make
        # (shorter pauses; the pages stay shared copy-on-write).
        gc.freeze()
        _Gunicorn(gunicorn_settings(options)).run()


def gunicorn_settings(options: dict[str, Any]) -> dict[str, Any]:
    threaded = options["threads"] > 1
    return {
        "bind": options["bind"],
        "workers": options["workers"],
        "threads": options["threads"],
        # One thread: gunicorn's sync worker, which closes each connection after its answer
        # and so accepts the next only when free; that shares load evenly between workers
        # (docs/performance.md: co-signing p99 148-159 ms, against 205-256 ms threaded).
        "worker_class": "gthread" if threaded else "sync",
        "worker_connections": options["connections"],
        "timeout": options["timeout"],
        "accesslog": None,
        "errorlog": "-",
    }
