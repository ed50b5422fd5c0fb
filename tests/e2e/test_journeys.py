"""The journeys people take through the pages, in a real Chromium, in English and in
Indonesian: alice drafts and files with bob and ivan, carol (a custodian) acknowledges and
drafts the reply, paula (the addressee) approves it; erin, unrelated, finds nothing; a
signer changes their mind before filing. Every step is checked by axe and saved as a
screenshot (tests/e2e/conftest.py says where)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dissent.log.sequencer import integrate_pending
from dissent.memos.models import MemoState, Visibility

from ..conftest import Cast
from ..factories import make_memo
from .browsing import PHONE, Browsing, Visitor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LANGUAGES = ["en", "id"]

TITLE = "Visa fees strand our consular staff abroad"
SUMMARY = "The new fee schedule leaves staff unable to renew visas for their families."
BODY = "## What happens\n\nStaff pay the fees **themselves** and wait months for repayment.\n"
POLICY = "Consular fee schedule 2026"
ACKNOWLEDGMENT = "The channel has received your memo and will reply within the deadline."
RECEIPT_PENDING = (
    "The filing is being added to the channel's tamper-evident log; the receipt appears within a few seconds."
)
REPLY = "Leadership will refund the fees within ten working days from now on."


@pytest.mark.parametrize("lang", LANGUAGES)
def test_members_draft_cosign_and_file_a_memo_and_hear_back(
    browsing: Browsing, cast: Cast, tmp_path: Path
) -> None:
    memo_journey(browsing, cast, tmp_path)


@pytest.mark.parametrize("lang", ["id"])  # the longer words of the two languages
def test_the_memo_journey_fits_a_phone_screen(browsing: Browsing, cast: Cast, tmp_path: Path) -> None:
    browsing.viewport = PHONE  # every step also checks that nothing is wider than the screen

    memo_journey(browsing, cast, tmp_path)


def test_the_memo_journey_works_without_javascript(browsing: Browsing, cast: Cast, tmp_path: Path) -> None:
    browsing.javascript = False

    memo_journey(browsing, cast, tmp_path)

    assert browsing.steps >= 15


def memo_journey(browsing: Browsing, cast: Cast, tmp_path: Path) -> None:
    """Draft, invite two colleagues, both co-sign (ivan protected, by keyboard alone), file,
    acknowledge, reply, approve, read the reply, download the receipt and verify it."""
    alice = browsing.sign_in(cast.alice)
    alice.step("alice-home")
    switch_language_and_back(alice)

    alice.submit(alice.nav_link("Draft a memo"))
    alice.field("Title").fill(TITLE)
    alice.field("Summary").fill(SUMMARY)
    alice.field("Body").fill(BODY)
    alice.field("Policy questioned").fill(POLICY)
    alice.field("Addressed to").select_option("paula")
    alice.field("Handling marking").select_option("SBU")
    alice.step("alice-writes-the-draft")
    alice.submit(alice.button("Save draft"))

    found = re.fullmatch(r"/memos/(\d+)/", alice.path)
    assert found, alice.page.url
    memo_id = int(found.group(1))
    assert alice.t("Draft saved. Only you and your co-drafters can see it.") in alice.text()
    assert alice.page.get_by_role("heading", level=1).inner_text() == TITLE
    alice.step("alice-draft-saved")

    alice.field("User names").fill("bob, ivan")
    alice.submit(alice.button("Invite"))
    assert alice.t("Invited: %(names)s.", names="Bob Tester, Ivan Tester") in alice.text()
    alice.submit(alice.button("Open for signatures"))
    assert alice.page.locator(".memo .state").inner_text() == alice.t("Open for signatures")
    alice.submit(alice.button("Sign"))
    assert alice.t("You have signed this memo.") in alice.text()
    assert alice.signature_count() == 1
    alice.step("alice-opens-and-signs")

    bob = browsing.sign_in(cast.bob)
    bob.step("bob-home")
    bob.submit(bob.link(TITLE))
    assert bob.page.get_by_label(bob.t("Named: everyone who may see the memo sees my name")).is_checked()
    bob.step("bob-reads-the-memo")
    bob.submit(bob.button("Sign"))
    assert bob.signature_count() == 2
    bob.step("bob-signs-named")

    ivan = browsing.sign_in(cast.ivan)
    sign_protected_with_the_keyboard_alone(ivan)
    assert ivan.signature_count() == 3
    assert ivan.t("You have signed this memo.") in ivan.text()
    ivan.step("ivan-signed-protected-by-keyboard")

    alice.reload()
    signatures = alice.page.locator(".signatures").inner_text()
    assert alice.signature_count() == 3
    assert "Bob Tester" in signatures
    assert "Ivan Tester" not in alice.page.content()  # protected: only custodians see the name
    assert alice.t("Protected signer") in signatures
    alice.step("alice-sees-three-signatures")
    alice.submit(alice.button("File with the channel"))
    assert alice.page.locator(".memo .state").inner_text() == alice.t("Filed")
    assert alice.t(RECEIPT_PENDING) in alice.text()
    alice.step("alice-files")

    integrate_pending()  # what the worker's log sequencer does every second
    alice.reload()
    receipt_link = alice.link(alice.t("Download receipt (JSON)"))
    assert receipt_link.is_visible()
    alice.step("alice-receipt-ready")

    carol = browsing.sign_in(cast.carol)
    carol.submit(carol.nav_link("Channel queue"))
    carol.step("carol-channel-queue")
    carol.submit(carol.link(TITLE))
    assert "Ivan Tester" in carol.page.locator(".signatures").inner_text()  # custodians see protected names
    carol.field("Acknowledgment (sent to the drafters and signers)").fill(ACKNOWLEDGMENT)
    carol.step("carol-reads-the-memo")
    carol.submit(carol.button("Acknowledge"))
    assert carol.t("Acknowledged. The drafters and signers are being told.") in carol.text()
    carol.field("Substantive reply").fill(REPLY)
    carol.submit(carol.button("Save the reply draft"))
    assert carol.t("Reply draft saved. It is sent once someone else approves it.") in carol.text()
    carol.step("carol-acknowledges-and-drafts-the-reply")

    paula = browsing.sign_in(cast.paula)
    paula.submit(paula.nav_link("Addressed to me"))
    paula.submit(paula.link(TITLE))
    assert REPLY in paula.page.locator(".response .reply.draft").inner_text()
    paula.step("paula-reads-the-reply-draft")
    paula.submit(paula.button("Approve and send the reply"))
    assert paula.t("Reply approved and sent to the drafters and signers.") in paula.text()
    assert paula.page.locator(".memo .state").inner_text() == paula.t("Replied")
    paula.step("paula-approves-the-reply")

    alice.reload()
    response = alice.page.locator(".response").inner_text()
    assert ACKNOWLEDGMENT in response
    assert REPLY in response
    assert alice.page.locator(".memo .state").inner_text() == alice.t("Replied")
    alice.step("alice-reads-the-reply")
    with alice.page.expect_download() as download:
        alice.link(alice.t("Download receipt (JSON)")).click()
    receipt_file = tmp_path / "receipt.json"
    download.value.save_as(receipt_file)

    receipt = json.loads(receipt_file.read_text())
    assert receipt["memo"] == memo_id
    assert receipt["signature_count"] == 3  # alice, bob and ivan
    verified = verify_receipt(receipt_file, browsing.base_url, tmp_path)
    assert f"receipt verified: memo {memo_id} filed with content" in verified
    assert "and 3 signatures" in verified
    browsing.assert_no_problems()


def switch_language_and_back(visitor: Visitor) -> None:
    """The header's switcher changes the page's language, and changes it back."""
    other = "id" if visitor.lang == "en" else "en"
    visitor.choose_language(other)
    assert visitor.page.locator("html").get_attribute("lang") == other
    visitor.choose_language(visitor.lang)
    assert visitor.page.locator("html").get_attribute("lang") == visitor.lang


def sign_protected_with_the_keyboard_alone(ivan: Visitor) -> None:
    """From ivan's list of memos to his signature, with Tab, the arrow keys and Enter only;
    the focus is visible on the Sign button when he reaches it."""
    page = ivan.page
    ivan.tab_to(ivan.link(TITLE))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ivan.step("ivan-opens-the-memo-by-keyboard")
    named = page.get_by_label(ivan.t("Named: everyone who may see the memo sees my name"))
    protected = page.get_by_label(ivan.t("Protected: only the channel's custodians see my name"))
    ivan.tab_to(named)  # Tab enters a group of radio buttons at its chosen one
    page.keyboard.press("ArrowDown")
    assert protected.is_checked()
    assert ivan.is_focused(protected)
    sign = ivan.button("Sign")
    ivan.tab_to(sign)
    style, width = ivan.focus_ring(sign)
    assert style != "none" and width >= 2, (
        f"the focused Sign button shows no visible outline: {style} {width}px"
    )
    ivan.step("ivan-focus-on-sign")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Ivan Tester" in page.locator(".signatures").inner_text()  # he sees his own name


def verify_receipt(receipt_file: Path, base_url: str, tmp_path: Path) -> str:
    """`dissent verifyreceipt FILE`, as a signer would run it, against the live channel's
    latest tree head too."""
    command = Path(sys.executable).with_name("dissent")
    result = subprocess.run(  # noqa: S603 - our own command, on a file this test wrote
        [str(command), "verifyreceipt", str(receipt_file), "--against", f"{base_url}/api/v1/log/sth"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DISSENT_VAR_DIR": str(tmp_path / "verifier")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unrelated_member_can_neither_find_nor_open_a_memo(browsing: Browsing, cast: Cast) -> None:
    title = "Embassy guards work unpaid overtime"
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.alice, Visibility.NAMED), (cast.bob, Visibility.NAMED)],
        title=title,
    )
    bob = browsing.sign_in(cast.bob)
    search(bob, title)
    assert bob.link(title).count() == 1  # a signer finds it: the search does find this memo
    bob.step("bob-finds-the-memo")

    erin = browsing.sign_in(cast.erin)
    assert title not in erin.page.content()
    erin.step("erin-home")
    search(erin, title)
    assert erin.link(title).count() == 0
    assert erin.page.get_by_role("status").inner_text() == erin.t("No memo you may read matches.")
    erin.step("erin-searches")
    with browsing.console_errors_allowed(rf"status of 404 .* at {re.escape(browsing.base_url)}/memos/\d+/$"):
        response = erin.goto(f"/memos/{memo.pk}/")
        erin.page.wait_for_load_state("load")

    assert response.status == 404
    assert title not in erin.page.content()
    assert erin.page.get_by_role("heading", level=1).inner_text() == erin.t("That did not work")
    erin.step("erin-opens-its-address")


def search(visitor: Visitor, words: str) -> None:
    visitor.submit(visitor.nav_link("Search"))
    visitor.field("Search for").fill(words)
    visitor.submit(visitor.button("Search"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_signer_withdraws_before_filing_and_the_count_drops(browsing: Browsing, cast: Cast) -> None:
    title = "Translators lack secure laptops"
    make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.alice, Visibility.NAMED), (cast.ivan, Visibility.NAMED)],
        title=title,
    )
    bob = browsing.sign_in(cast.bob)
    bob.submit(bob.link(title))
    bob.submit(bob.button("Sign"))
    assert bob.signature_count() == 3
    bob.step("bob-signs")

    bob.submit(bob.button("Withdraw my signature"))

    assert bob.t("Your signature has been withdrawn.") in bob.text()
    assert bob.signature_count() == 2
    assert "Bob Tester" not in bob.page.locator(".signatures").inner_text()
    assert bob.button("Sign").is_visible()  # he may sign again while it is open
    bob.step("bob-withdraws")
    alice = browsing.sign_in(cast.alice)
    alice.submit(alice.link(title))
    assert alice.signature_count() == 2
    assert "Bob Tester" not in alice.page.locator(".signatures").inner_text()
    alice.step("alice-sees-two-signatures")
