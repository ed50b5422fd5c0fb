"""Hostile text in the browser: memo titles, summaries, bodies, policies, an acknowledgment
and a reply written as classic cross-site-scripting payloads are shown by Chromium as text.
No dialog opens, nothing is logged as an error, no executable element or attribute reaches
the page, and the Content Security Policy does not even have to refuse anything; when a
script is put into the page by hand, the CSP refuses to run it."""

import pytest

from dissent.log.sequencer import integrate_pending
from dissent.memos import actions, responses
from dissent.memos.models import Memo, Visibility

from ..conftest import Cast
from .browsing import Browsing, Visitor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: Each one, were it to run, opens a dialog naming itself.
PAYLOADS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img-onerror')>",
    "<svg onload=alert('svg-onload')>",
    "<svg><script>alert('svg-script')</script></svg>",
    "[click me](javascript:alert('markdown-link'))",
    "[click me](JaVaScRiPt:alert('markdown-link-mixed-case'))",
    "[click me](&#106;avascript:alert('markdown-link-entity'))",
    "![picture](x\" onerror=\"alert('markdown-image'))",
    "<iframe srcdoc=\"<script>alert('iframe-srcdoc')</script>\"></iframe>",
    "<div style=\"width: expression(alert('css-expression'))\">styled</div>",
    "<style>body { background: url(\"javascript:alert('style-url')\") }</style>",
    "<a href=\"javascript:alert('html-link')\">link</a>",
    "<a href=\"&#x6A;avascript:alert('html-link-entity')\">link</a>",
    "\"><script>alert('attribute-breakout')</script>",
    "'--></title><script>alert('title-breakout')</script>",
    "<details open ontoggle=alert('details-ontoggle')>x</details>",
    "<input autofocus onfocus=alert('autofocus')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mutation')>",
    "<object data=\"javascript:alert('object')\"></object>",
    "<body onload=alert('body-onload')>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'meta-refresh\')">',
    "<scr<script>ipt>alert('split-tag')</scr</script>ipt>",
    "\\u003cscript\\u003ealert('unicode-escaped')\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert('fullwidth')\uff1c/script\uff1e",
    "<img src=\"data:image/svg+xml,<svg onload=alert('data-svg')>\">",
]

#: Recorded from the first moment of every page (an init script, which the CSP does not govern).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", event => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""

#: What must not be in a page showing hostile text: anything that could run script.
EXECUTABLE_THINGS = """() => {
  const found = [];
  const ours = `${location.origin}/static/`;
  for (const script of document.scripts) {
    if (!script.src.startsWith(ours)) found.push(`script: ${script.outerHTML.slice(0, 80)}`);
  }
  const embedding = "iframe, frame, object, embed, style, meta[http-equiv], base";
  for (const element of document.querySelectorAll(embedding)) {
    if (element.closest("body")) found.push(`${element.tagName}: ${element.outerHTML.slice(0, 80)}`);
  }
  for (const element of document.querySelectorAll("body *")) {
    for (const attribute of element.attributes) {
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (attribute.name.startsWith("on")) found.push(`${attribute.name} on ${element.tagName}`);
      if (value.startsWith("javascript:") || (value.startsWith("data:") && attribute.name !== "value")) {
        found.push(`${attribute.name}=${attribute.value.slice(0, 60)} on ${element.tagName}`);
      }
    }
  }
  return found;
}"""

SUMMARY = "Hostile text must stay inert text wherever the channel shows it."


def hostile_memo(cast: Cast, number: int, payload: str) -> Memo:
    return actions.create_memo(
        cast.alice,
        title=f"Hostile {number:02d} {payload}"[:200],
        summary=f"{SUMMARY} {payload}",
        body=f"## Payload {number:02d}\n\n{payload}\n\n- {payload}\n\n> {payload}\n",
        policy_questioned=payload[:300],
        addressee=cast.paula.username,
        marking="SBU",
    )


def answered_hostile_memo(cast: Cast) -> Memo:
    """Filed, acknowledged and replied to, the acknowledgment and the reply hostile too."""
    memo = hostile_memo(cast, 99, PAYLOADS[0] + PAYLOADS[1])
    actions.open_memo(memo, cast.alice)
    actions.sign_memo(memo, cast.alice, visibility=Visibility.NAMED)
    actions.file_memo(memo, cast.alice)
    responses.acknowledge_memo(memo, cast.carol, text="\n".join(PAYLOADS[:8]))
    responses.draft_reply(memo, cast.carol, text="\n\n".join(PAYLOADS), marking="SBU")
    responses.approve_reply(memo, cast.paula)
    integrate_pending()
    return memo


def assert_inert(visitor: Visitor, where: str) -> None:
    """Nothing ran, nothing was refused, and nothing that could run is in the page."""
    page = visitor.page
    page.wait_for_load_state("load")
    visitor.browsing.assert_no_problems()
    assert page.evaluate("window.__cspViolations") == [], f"{where}: the CSP had to refuse something"
    assert page.evaluate(EXECUTABLE_THINGS) == [], f"{where}: something executable reached the page"


def test_hostile_memos_are_shown_as_text_and_run_no_script(browsing: Browsing, cast: Cast) -> None:
    memos = [hostile_memo(cast, number, payload) for number, payload in enumerate(PAYLOADS, start=1)]
    answered = answered_hostile_memo(cast)
    alice = browsing.sign_in(cast.alice)
    alice.page.context.add_init_script(RECORD_CSP_VIOLATIONS)

    alice.reload()
    assert_inert(alice, "my memos")
    assert "<script>alert('script')</script>" in alice.page.locator("table.memos").inner_text()
    alice.step("home-lists-hostile-titles")
    for memo in [*memos, answered]:
        alice.goto(f"/memos/{memo.pk}/")
        assert_inert(alice, f"memo {memo.pk}")
        assert alice.page.get_by_role("heading", level=1).inner_text() == memo.title
    alice.step("memo-with-a-hostile-reply")
    search_page = alice.goto("/search/?q=Hostile")
    assert search_page.ok
    assert_inert(alice, "search results, page 1")
    alice.step("search-results")
    alice.submit(alice.page.get_by_role("link", name=alice.t("Next"), exact=True))
    assert_inert(alice, "search results, page 2")
    assert alice.page.locator(".search-results li").count() == len(memos) + 1 - 20

    alice.submit(alice.nav_link("Draft a memo"))
    alice.field("Title").fill("Hostile typed <script>alert('typed-title')</script>")
    alice.field("Summary").fill(SUMMARY)
    alice.field("Body").fill("\n\n".join(PAYLOADS))
    alice.field("Policy questioned").fill("<img src=x onerror=alert('typed-policy')>")
    alice.page.locator("#similar-memos li").first.wait_for()  # htmx fetched memos like it
    assert_inert(alice, "the draft form with its similar memos")
    alice.step("draft-form-with-similar-hostile-memos")
    alice.submit(alice.button("Save draft"))
    assert_inert(alice, "the typed memo")
    assert "<script>alert('typed-title')</script>" in alice.page.get_by_role("heading", level=1).inner_text()
    alice.step("typed-hostile-memo")


def test_the_content_security_policy_refuses_script_put_into_a_page(browsing: Browsing, cast: Cast) -> None:
    memo = hostile_memo(cast, 1, PAYLOADS[0])
    alice = browsing.sign_in(cast.alice)
    alice.page.context.add_init_script(RECORD_CSP_VIOLATIONS)
    alice.goto(f"/memos/{memo.pk}/")
    assert_inert(alice, "the memo")

    with browsing.console_errors_allowed("Content Security Policy"):
        alice.page.evaluate(
            """() => {
              window.__inlineScriptRan = false;
              const script = document.createElement("script");
              script.textContent = "window.__inlineScriptRan = true";
              document.body.append(script);
              const image = document.createElement("img");
              image.setAttribute("onerror", "window.__inlineHandlerRan = true");
              image.alt = "";
              image.src = "data:,";
              document.body.append(image);
            }"""
        )
        alice.page.wait_for_function("window.__cspViolations.length >= 2")

    assert alice.page.evaluate("window.__inlineScriptRan") is False
    assert alice.page.evaluate("window.__inlineHandlerRan === undefined") is True
    refused = alice.page.evaluate("window.__cspViolations")
    assert any(line.startswith("script-src-elem inline") for line in refused), refused
    assert any(line.startswith("script-src-attr inline") for line in refused), refused
    alice.step("inline-script-refused")
