"""A real OpenID provider on loopback for the single sign-on tests: panva's oidc-provider
(tests/oidc/provider.mjs) in a node process for the whole test session, and a browser for
its pages (httpx) that keeps the provider's cookies and fills in its sign-in form."""

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
#: How long node may take to load oidc-provider and listen: half a second on a quiet machine,
#: much longer on a loaded CI machine (browser tests and benchmarks beside it).
STARTUP_SECONDS = 120
CLIENT_ID = "dissent-channel"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"
#: Where the provider may send browsers back to: Django's test client is http://testserver.
REDIRECT_URI = "http://testserver/oidc/callback/"
#: Every test account's password at the provider (provider.mjs).
PROVIDER_PASSWORD = "provider-password-1"
#: Each test account's `sub` (provider.mjs).
SUBJECTS = {
    "mira": "9f1c2d4e-mira",
    "mira-new": "5b7e0a13-mira-new",
    "cato": "2a8d6f90-cato",
    "ada": "7c3b1e55-ada",
    "ivo": "e4d2c1b0-ivo",
}


@dataclass(frozen=True)
class OpenIDProvider:
    issuer: str
    #: Its discovery document (/.well-known/openid-configuration), which names its endpoints.
    discovery: dict[str, object]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIDProvider]:
    """The provider, started once per test session (per xdist worker) and stopped after.
    Fails, never skips, when node or the npm packages are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Node.js 20 or newer with npm, then run `make oidc-deps`")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"{PROVIDER_DIR / 'node_modules'} is missing: `make oidc-deps` runs npm ci in tests/oidc")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("oidc-provider") / "provider.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own script, arguments from this module
            [node, str(PROVIDER_DIR / "provider.mjs"), str(port), REDIRECT_URI, CLIENT_ID, CLIENT_SECRET],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PROVIDER_DIR,
        )
    try:
        yield OpenIDProvider(issuer=issuer, discovery=_wait_for_discovery(process, issuer, log_path))
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_discovery(process: subprocess.Popen[bytes], issuer: str, log_path: Path) -> dict[str, object]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the test OpenID provider stopped (exit {process.returncode}):\n{log_path.read_text()}"
            )
        try:
            response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            if response.status_code == 200:
                document: dict[str, object] = response.json()
                return document
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    output = log_path.read_text() or "(it printed nothing)"
    pytest.fail(f"the test OpenID provider did not answer within {STARTUP_SECONDS} s:\n{output}")


class ProviderBrowser:
    """One person's browser at the provider: follows its redirects while they stay there,
    and posts its sign-in form as a browser would."""

    def __init__(self, provider: OpenIDProvider) -> None:
        self.provider = provider
        self.http = httpx.Client(follow_redirects=False, timeout=10)

    def close(self) -> None:
        self.http.close()

    def _go(self, method: str, url: str, data: dict[str, str] | None = None) -> httpx.Response | str:
        """The provider's page at the end of the redirects, or the URL outside the provider
        (our callback) it sends the browser to."""
        while True:
            response = self.http.request(method, url, data=data)
            if not response.is_redirect:
                return response
            url = urljoin(url, response.headers["location"])
            if not url.startswith(self.provider.issuer + "/"):
                return url
            method, data = "GET", None

    def sign_in(self, authorization_url: str, login: str, password: str = PROVIDER_PASSWORD) -> str:
        """Goes from the channel's authorization request through the provider's sign-in page
        (unless this browser is already signed in there); returns the callback URL."""
        assert authorization_url.startswith(self.provider.issuer + "/"), authorization_url
        page = self._go("GET", authorization_url)
        if isinstance(page, str):
            return page
        form = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert page.status_code == 200 and form, f"no sign-in form at the provider:\n{page.text}"
        answer = self._go(
            "POST", urljoin(str(page.url), unescape(form.group(1))), {"login": login, "password": password}
        )
        assert isinstance(answer, str), f"the provider did not send the browser back:\n{answer.text}"
        return answer
