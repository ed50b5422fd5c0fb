"""The background worker: one loop that keeps the log sequenced and runs queued tasks
(reminders, escalations, e-mail). `dissent worker` runs it in its own process (as many as
you like); `dissent demo` runs it in a thread beside the web server.

Log integration comes first in every round and tasks are taken a few at a time, so that a
burst of e-mail never holds a committed event outside a signed tree head for longer than
the promised maximum merge delay (LOG_MAX_MERGE_DELAY).
"""

import logging
import os
import socket
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from dissent.log.sequencer import integrate_pending

logger = logging.getLogger(__name__)

#: Tasks run per round before the loop goes back to the log.
TASKS_PER_ROUND = 20
#: How long the worker waits before trying a database that failed it again.
DATABASE_RETRY_SECONDS = 0.5


def _worker() -> Worker:
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}",
        excluded_queue_names=[],
    )


def run_tasks(max_tasks: int | None = TASKS_PER_ROUND) -> int:
    """Run tasks that are ready now (at most `max_tasks`); returns how many ran.

    Each task is claimed in a short transaction of its own under a row lock (SKIP LOCKED on
    PostgreSQL, an exclusive transaction on SQLite), so two workers never run the same one.
    This is django-tasks-db's own claim and run, without its loop: that loop closes the
    database connection between tasks, which a test's transaction cannot survive, and our
    loop (run_forever) does that itself."""
    worker = _worker()
    ran = 0
    while max_tasks is None or ran < max_tasks:
        try:
            with exclusive_transaction(DBTaskResult.objects.db):
                claimed = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name).get_locked()
                if claimed is not None:
                    claimed.claim(worker.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):
                break  # SQLite is busy; the next round tries again
            raise
        if claimed is None:
            break
        worker.run_task(claimed)
        ran += 1
    return ran


def run_forever(*, interval: float = 1.0, stop_after: float | None = None) -> None:
    """Rounds of log integration and tasks until `stop_after` seconds (None: for ever). A
    round the database cannot serve (it restarts, the network drops) is logged and tried
    again on a fresh connection a moment later: the worker outlives the outage, and what it
    left half-done was rolled back with its transaction."""
    started = time.monotonic()
    while stop_after is None or time.monotonic() - started < stop_after:
        try:
            while integrate_pending() is not None:
                pass
            ran = run_tasks()
        except (OperationalError, InterfaceError) as error:
            logger.warning("worker: the database is unavailable (%s); retrying", str(error).strip()[:200])
            connections.close_all()  # the next round opens new ones
            time.sleep(min(interval, DATABASE_RETRY_SECONDS))
            continue
        close_old_connections()
        if ran < TASKS_PER_ROUND:
            time.sleep(interval)
