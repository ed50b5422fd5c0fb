"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against
pytest-django's live server (a real HTTP server on loopback, in a thread of this process,
serving the test database: SQLite or PostgreSQL, one per xdist worker)."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Browser, sync_playwright

from .browsing import AXE_SOURCE, SCREENSHOTS, Browsing
from .chromium import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser(transactional_db: None, live_server: Any) -> Iterator[Browser]:
    """Chromium, for one test (it starts in about a second).

    While Playwright runs, its event loop is this thread's running loop. Django then
    refuses database calls from this thread (SynchronousOnlyOperation), and Django's
    connections, kept per thread, become per-context instead: a second set, which the test
    database's setup and teardown (restoring the rows of the migrations, flushing) do not
    see. So Playwright starts after the test database is set up and stops before it is
    flushed, the check is lifted only in between, and the second set of connections is
    closed before Playwright stops. A browser for the whole session would leave every
    later test in the worker with a running loop."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium")
    if not AXE_SOURCE.exists():
        pytest.fail(f"{AXE_SOURCE} is missing: `make browser-deps` runs npm ci in tests/e2e")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                connections.close_all()


@pytest.fixture
def lang() -> str:
    """The journey's language; tests parametrize it over settings.LANGUAGES."""
    return "en"


@pytest.fixture
def browsing(
    browser: Browser, live_server: Any, lang: str, request: pytest.FixtureRequest
) -> Iterator[Browsing]:
    """This test's people in the browser. Screenshots go to
    $DISSENT_SCREENSHOT_DIR (test-artefacts/screenshots)/<test>/<lang>/<NN-step>.png."""
    shots = SCREENSHOTS / request.node.originalname / lang
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    session = Browsing(browser=browser, base_url=live_server.url, lang=lang, shots=shots)
    yield session
    session.close()
    print(f"\n{session.steps} screenshots in {shots}, axe run {session.axe_runs} times")
    session.assert_no_problems()
