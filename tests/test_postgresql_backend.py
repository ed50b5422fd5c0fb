"""The PostgreSQL backend's health check (dissent/postgresql/base.py): a quiet kept
connection is used without a round trip; one with anything to read is checked by asking the
database, so a connection the server ended is found unusable and replaced.

PostgreSQL only: on SQLite Django's own backend is used and there is no kept connection
(CONN_MAX_AGE 0). .ci/run runs the suite on PostgreSQL as well."""

import select
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend serves PostgreSQL only"),
    pytest.mark.django_db,
]


@pytest.fixture
def other() -> Iterator[Any]:
    """A second connection to the test database, through the project's backend."""
    wrapper = connection.copy()
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def queries_asked(wrapper: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the health check sends on `wrapper`'s psycopg connection, recorded as it goes."""
    sent: list[str] = []
    raw = wrapper.connection
    open_cursor = raw.cursor

    def cursor(*args: Any, **kwargs: Any) -> Any:
        made = open_cursor(*args, **kwargs)
        execute = made.execute

        def recorded(query: Any, *more: Any, **options: Any) -> Any:
            sent.append(str(query))
            return execute(query, *more, **options)

        made.execute = recorded
        return made

    monkeypatch.setattr(raw, "cursor", cursor)
    return sent


def wait_for_input(wrapper: Any, seconds: float = 5.0) -> None:
    readable, __, __ = select.select([wrapper.connection.pgconn.socket], [], [], seconds)
    assert readable, "nothing arrived on the connection"


def test_the_engine_is_the_projects() -> None:
    assert connection.settings_dict["ENGINE"] == "dissent.postgresql"


def test_a_quiet_connection_is_usable_without_a_round_trip(
    other: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = queries_asked(other, monkeypatch)

    assert other.is_usable()
    assert sent == []


def test_a_connection_with_something_to_read_asks_the_database(
    other: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = other.connection
    listener.execute("LISTEN dissent_health")
    notifier = connection.copy()
    try:
        with notifier.cursor() as cursor:
            cursor.execute("NOTIFY dissent_health")
    finally:
        notifier.close()
    wait_for_input(other)
    sent = queries_asked(other, monkeypatch)

    assert other.is_usable()  # a notification is news, not a fault
    assert sent == ["SELECT 1"]


def test_a_connection_the_server_ended_is_closed_and_replaced(other: Any) -> None:
    pid = other.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_for_input(other)

    assert not other.is_usable()
    other.health_check_done = False
    other.close_if_health_check_failed()
    assert other.connection is None
    with other.cursor() as cursor:  # connected afresh
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_inside_a_transaction_asks_the_database(
    other: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute("SELECT 2")
    sent = queries_asked(other, monkeypatch)

    assert other.is_usable()
    assert sent == ["SELECT 1"]
    other.rollback()
    other.set_autocommit(True)
