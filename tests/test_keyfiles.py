import multiprocessing
import secrets
import stat
from pathlib import Path

from dissent.keyfiles import read_or_create


def _race(path: str, results: "multiprocessing.Queue[str]") -> None:
    results.put(read_or_create(Path(path), lambda: secrets.token_hex(16)))


def test_processes_starting_together_all_get_the_same_secret(tmp_path: Path) -> None:
    path = tmp_path / "var" / "log_signing_key"
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, as separate workers would be
    results: multiprocessing.Queue[str] = spawn.Queue()
    racers = [spawn.Process(target=_race, args=(str(path), results)) for _ in range(8)]

    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=30)

    seen = {results.get(timeout=5) for _ in racers}
    assert seen == {path.read_text().strip()}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["log_signing_key"]


def test_an_existing_secret_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("kept\n")

    assert read_or_create(path, lambda: "new") == "kept"
