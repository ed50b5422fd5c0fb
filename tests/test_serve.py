"""`dissent serve`: the gunicorn settings its options make."""

from dissent.management.commands.serve import gunicorn_settings

OPTIONS = {"bind": "127.0.0.1:8000", "workers": 4, "connections": 1000, "timeout": 30}


def test_one_thread_a_worker_is_the_sync_worker() -> None:
    settings = gunicorn_settings({**OPTIONS, "threads": 1})

    assert settings["worker_class"] == "sync"
    assert (settings["workers"], settings["bind"]) == (4, "127.0.0.1:8000")


def test_more_threads_make_threaded_workers_that_cap_their_connections() -> None:
    settings = gunicorn_settings({**OPTIONS, "threads": 4, "connections": 13})

    assert settings["worker_class"] == "gthread"
    assert (settings["threads"], settings["worker_connections"]) == (4, 13)
