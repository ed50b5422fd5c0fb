"""The background worker: one loop that keeps the log sequenced and runs queued tasks
(reminders, escalations, e-mail). `dissent worker` runs it in its own process (as many as
you like); `dissent demo` runs it in a thread beside the web server.

Log integration comes first in every round and tasks are taken a few at a time, so that a
burst of e-mail never holds a committed event outside a signed tree head for longer than
the promised maximum merge delay (LOG_MAX_MERGE_DELAY).
"""

import os
import socket
import time

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from dissent.log.sequencer import integrate_pending

#: Tasks run per round before the loop goes back to the log.
TASKS_PER_ROUND = 20


def run_tasks(max_tasks: int | None = TASKS_PER_ROUND) -> int:
    """Run tasks that are ready now (at most `max_tasks`); returns how many ran. Each task
    is claimed under a row lock (SKIP LOCKED on PostgreSQL, an exclusive transaction on
    SQLite), so two workers never run the same one."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        excluded_queue_names=[],
    )
    worker.run()
    return worker._run_tasks


def run_forever(*, interval: float = 1.0, stop_after: float | None = None) -> None:
    started = time.monotonic()
    while stop_after is None or time.monotonic() - started < stop_after:
        while integrate_pending() is not None:
            pass
        ran = run_tasks()
        close_old_connections()
        if ran < TASKS_PER_ROUND:
            time.sleep(interval)
