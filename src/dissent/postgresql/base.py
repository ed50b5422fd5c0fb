"""Django's PostgreSQL backend, with a cheaper health check.

With CONN_HEALTH_CHECKS, Django checks a kept connection before the first query of each
request by running `SELECT 1`: a round trip to the database on every request, about a
seventh of a co-signature's (docs/performance.md, issue 9). A connection that is idle
between requests receives nothing unless something happened to it: a server that shuts
down, restarts or ends the session sends an error and closes the socket, and a dead peer
closes it. So the check first looks at the socket without waiting: nothing to read, and the
connection is used as it is; anything to read (or a connection not idle), and Django's own
check asks the database, which reports the connection unusable if it is. A connection whose
peer vanished without closing it passes, as it would pass the moment before `SELECT 1`: its
next query fails, and the request answers 503 (dissent/unavailable.py)."""

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        raw: Any = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        if raw.pgconn.transaction_status == pq.TransactionStatus.IDLE and not _readable(raw.pgconn.socket):
            return True
        return bool(super().is_usable())


def _readable(fd: int) -> bool:
    """Whether the socket has data, an error or an end to read, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
