"""What the browser tests do with a page: sign a person in through the real sign-in page,
choose the language with the header's switcher, save a screenshot of each step, run axe on
it, and notice any dialog, console error or page error (a script that ran, or broke).

Labels come from the translation catalogue (`Visitor.t`), so one journey runs in English
and in Indonesian, and whatever the Indonesian catalogue does not translate yet is found
by its English text, as the page shows it."""

import os
import re
from base64 import b32decode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django_otp.oath import TOTP
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Locator, Page, Response

from dissent.org import two_factor
from dissent.org.models import Person

from ..factories import PASSWORD, enrol_authenticator


def totp_code(shown_key: str) -> str:
    """The code an authenticator app shows now for the key the setup page shows."""
    compact = "".join(shown_key.split())
    key = b32decode(compact + "=" * (-len(compact) % 8))
    return f"{TOTP(key).token():06d}"


HERE = Path(__file__).resolve().parent


#: axe-core from the npm registry, pinned in package.json / package-lock.json (`npm ci`).
AXE_SOURCE = HERE / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts that fail a page.
FAILING_IMPACTS = frozenset({"serious", "critical"})

SCREENSHOTS = Path(
    os.environ.get("DISSENT_SCREENSHOT_DIR", str(HERE.parents[1] / "test-artefacts" / "screenshots"))
)

#: The innermost elements whose right edge is past the screen's, described briefly.
OVERFLOWING_ELEMENTS = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 0.5);
  const innermost = wide.filter(e => !wide.some(other => other !== e && e.contains(other)));
  return innermost.slice(0, 8).map(e =>
    `${e.tagName.toLowerCase()}${e.className ? "." + String(e.className).split(" ").join(".") : ""}`
    + ` right=${Math.round(e.getBoundingClientRect().right)}: ${e.outerHTML.slice(0, 100)}`);
}"""

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@cache
def axe_source() -> str:
    return AXE_SOURCE.read_text()


def tr(lang: str, message: str, **values: object) -> str:
    """`message` as the pages show it in `lang`."""
    with translation.override(lang):
        text = gettext(message)
    return text % values if values else text


def label_pattern(text: str) -> re.Pattern[str]:
    """A form field's label: its text, then Django's label suffix (":" or " :")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*:?\s*$")


def axe_problems(results: dict[str, Any]) -> list[str]:
    """Every serious or critical violation: rule, impact, what it asks, and the elements."""
    problems = []
    for violation in results["violations"]:
        if violation.get("impact") not in FAILING_IMPACTS:
            continue
        nodes = [
            f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}" for node in violation["nodes"]
        ]
        problems.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}, {len(nodes)} element(s)\n"
            + "\n".join(nodes[:8])
        )
    return problems


@dataclass
class Browsing:
    """One test's use of the browser: the people it signs in (one browser context each, as
    if on their own machines), its screenshots, and what went wrong in any of their pages."""

    browser: Browser
    base_url: str
    lang: str
    shots: Path
    javascript: bool = True
    viewport: dict[str, int] = field(default_factory=lambda: dict(DESKTOP))
    problems: list[str] = field(default_factory=list)
    allowed_console: list[re.Pattern[str]] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)
    steps: int = 0
    axe_runs: int = 0

    def visitor(self) -> "Visitor":
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="en-GB",  # the language comes from the switcher, not from the browser
            viewport=self.viewport,  # type: ignore[arg-type]
            java_script_enabled=self.javascript,
            accept_downloads=True,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        return Visitor(self, page)

    def sign_in(self, person: Person, visitor: "Visitor | None" = None) -> "Visitor":
        """A new browser for `person` (or `visitor`'s, signed out): the sign-in page,
        switched to the test's language with the header's switcher, then the sign-in form."""
        visitor = visitor or self.visitor()
        visitor.goto("/accounts/login/")
        visitor.choose_language(self.lang)
        assert visitor.page.locator("html").get_attribute("lang") == self.lang
        # The sign-in form labels the field with the model field's name, "username".
        visitor.field_labelled(capfirst(visitor.t("username"))).fill(person.username)
        visitor.field("Password").fill(PASSWORD)
        visitor.submit(visitor.button("Sign in"))
        if visitor.path == "/accounts/two-factor/setup/":  # first sign-in of a custodian & co.
            key = visitor.page.locator("#totp-key").inner_text()
            visitor.field("Code").fill(totp_code(key))
            visitor.submit(visitor.button("Confirm"))
            assert visitor.page.locator("#recovery-codes li").count() == 10
            self.step(visitor, "recovery-codes")
            visitor.submit(visitor.link(visitor.t("Continue")))
        elif visitor.path == "/accounts/two-factor/":  # later sign-ins: a new phone each time,
            # since an authenticator's code is good once per 30-second step
            visitor.field("Code").fill(two_factor.current_code(enrol_authenticator(person)))
            visitor.submit(visitor.button("Verify"))
        assert visitor.path == "/", f"{person.username} was not signed in: {visitor.page.url}"
        return visitor

    def _on_dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        seen = f"{message.text} at {where}"
        if any(pattern.search(seen) for pattern in self.allowed_console):
            return
        self.problems.append(f"console error: {seen}")

    @contextmanager
    def console_errors_allowed(self, pattern: str) -> Iterator[None]:
        """Console errors matching `pattern` (in "TEXT at URL") are expected inside the block,
        and only there."""
        compiled = re.compile(pattern)
        self.allowed_console.append(compiled)
        try:
            yield
        finally:
            self.allowed_console.remove(compiled)

    def assert_no_problems(self) -> None:
        assert not self.problems, "in the browser:\n" + "\n".join(self.problems)

    def step(self, visitor: "Visitor", name: str) -> Path:
        """A step of the journey: the page is in the test's language, nothing went wrong in
        the browser, axe finds no serious or critical violation, nothing overflows a phone's
        width (when the test runs at one), and a screenshot is saved."""
        self.steps += 1
        page = visitor.page
        page.wait_for_load_state("load")
        self.assert_no_problems()
        assert page.locator("html").get_attribute("lang") == self.lang, (
            f"{name}: <html lang> is not {self.lang}"
        )
        shot = self.shots / f"{self.steps:02d}-{name}.png"
        page.screenshot(path=shot, full_page=True)
        if self.javascript:
            self.check_axe(visitor, name)
            if self.viewport == PHONE:
                self.check_fits_the_screen(page, name)
        return shot

    def check_fits_the_screen(self, page: Page, name: str) -> None:
        """Nothing is wider than the screen: no sideways scrolling on a phone. A failure
        names the innermost elements that stick out."""
        page_width, screen_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if page_width <= screen_width:
            return
        culprits = page.evaluate(OVERFLOWING_ELEMENTS)
        raise AssertionError(
            f"{name}: the page is {page_width}px wide on a {screen_width}px screen; too wide:\n  "
            + "\n  ".join(culprits)
        )

    def check_axe(self, visitor: "Visitor", name: str) -> None:
        """Run axe-core on the page as it is now. It is evaluated through DevTools, which the
        page's Content Security Policy does not govern, so the CSP stays as served."""
        page = visitor.page
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(axe_source())
        results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
        self.axe_runs += 1
        problems = axe_problems(results)
        assert not problems, f"axe on {name} ({page.url}):\n" + "\n".join(problems)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@dataclass
class Visitor:
    """One signed-in person's browser tab."""

    browsing: Browsing
    page: Page

    @property
    def lang(self) -> str:
        return self.browsing.lang

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def t(self, message: str, **values: object) -> str:
        return tr(self.lang, message, **values)

    def goto(self, path: str) -> Response:
        response = self.page.goto(path)
        assert response is not None
        return response

    def reload(self) -> None:
        self.page.reload()

    def button(self, message: str, **values: object) -> Locator:
        return self.page.get_by_role("button", name=self.t(message, **values), exact=True)

    def link(self, text: str) -> Locator:
        return self.page.get_by_role("link", name=text, exact=True)

    def nav_link(self, message: str) -> Locator:
        main_nav = self.page.get_by_role("navigation", name=self.t("Main"), exact=True)
        return main_nav.get_by_role("link", name=self.t(message), exact=True)

    def field(self, message: str) -> Locator:
        return self.field_labelled(self.t(message))

    def field_labelled(self, text: str) -> Locator:
        return self.page.get_by_label(label_pattern(text))

    def submit(self, control: Locator) -> None:
        """Click a button or link that loads a new page, and wait for that page."""
        with self.page.expect_navigation():
            control.click()

    def choose_language(self, lang: str) -> None:
        """The header's language switcher: pick `lang` and press its button."""
        self.page.locator("#language").select_option(lang)
        with self.page.expect_navigation():
            self.page.locator("form.lang").get_by_role("button").click()

    def step(self, name: str) -> Path:
        return self.browsing.step(self, name)

    def is_focused(self, target: Locator) -> bool:
        return bool(target.evaluate("element => element === document.activeElement"))

    def tab_to(self, target: Locator, *, limit: int = 80) -> None:
        """Press Tab until `target` has the focus, as someone without a mouse would."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.is_focused(target):
                return
        raise AssertionError(f"{limit} presses of Tab never reached {target}")

    def focus_ring(self, target: Locator) -> tuple[str, float]:
        """The focused element's outline: its style and its width in CSS pixels."""
        style, width = target.evaluate(
            "element => { const s = getComputedStyle(element); return [s.outlineStyle, s.outlineWidth]; }"
        )
        return str(style), float(str(width).removesuffix("px") or 0)

    def signature_count(self) -> int:
        return int(self.page.locator(".signature-count").inner_text())

    def text(self) -> str:
        return self.page.locator("main").inner_text()
