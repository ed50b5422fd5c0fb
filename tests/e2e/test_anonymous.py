"""Anonymous co-signing in a real Chromium: a member makes a key on the key page (the secret
stays in the browser, a passphrase-locked backup is downloaded, only the public key reaches
the server), signs a memo anonymously from its page, and the count goes up by one, with
nothing that names them sent along; once the memo is filed, the same browser fetches its
filing receipt from the key page. On a second browser the key is restored from the backup."""

import json
import time
from pathlib import Path

import pytest
from django.conf import LazySettings

from dissent.anonymous import actions, queries, ring
from dissent.anonymous.models import AnonymousKey, AnonymousSignature
from dissent.log.sequencer import integrate_pending
from dissent.log.verify import check_receipt
from dissent.memos import actions as memo_actions
from dissent.memos.models import MemoState, Visibility

from ..conftest import Cast
from ..factories import make_memo, make_person
from .browsing import Browsing, Visitor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSPHRASE = "correct horse battery staple"
TITLE = "Our evacuation plan leaves local staff behind"
SIGNATURES = "/api/v1/anonymous/signatures"
SENT = "Your anonymous signature counts now. Reload the page to see the new count."
RECEIPT = "/api/v1/anonymous/receipt"
WAITING = (
    "The receipt will be fetched in about %(seconds)s seconds, without your session: keep this page open."
)
NO_RECEIPT_YET = (
    "No receipt yet: the memo has not been filed, or the channel holds none for this browser's key."
)
COUNTED = (
    "Your receipt has been downloaded. Your anonymous signature is one of the "
    "%(count)s signatures this memo was filed with."
)


def sign_out(visitor: Visitor) -> None:
    """The header's sign-out button; the browser, and what it keeps, stay."""
    visitor.page.locator("form[action='/accounts/logout/'] button").click()
    visitor.page.wait_for_url("**/accounts/login/**")


def make_key(bob: Visitor) -> Path:
    """The key page's form; returns the downloaded backup file."""
    bob.goto("/accounts/anonymous-key/")
    bob.step("key-page-before")
    bob.field("Passphrase for the backup").fill(PASSPHRASE)
    bob.field("The same passphrase again").fill(PASSPHRASE)
    with bob.page.expect_download() as download:
        bob.button("Make my key").click()
    bob.page.get_by_text(
        bob.t(
            "Your key is enrolled and this browser holds it. Your backup file has been downloaded: "
            "keep it apart from your passphrase."
        )
    ).wait_for()
    path = Path(download.value.path())
    bob.step("key-made")
    return path


@pytest.mark.parametrize("lang", ["en", "id"])
def test_a_member_makes_a_key_signs_anonymously_and_is_counted_once(
    browsing: Browsing, cast: Cast, settings: LazySettings
) -> None:
    settings.ANONYMOUS_SEND_DELAY = (0, 1)
    for person in [make_person(f"colleague{i}") for i in range(4)] + [cast.erin]:
        actions.enrol_key(person, ring.public_key(ring.generate_secret()).hex())  # a ring of six with bob
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob, cast.erin],
        signers=[(cast.alice, Visibility.NAMED)],
        title=TITLE,
    )
    bob = browsing.sign_in(cast.bob)

    backup = json.loads(make_key(bob).read_text())

    enrolled = AnonymousKey.objects.get(person=cast.bob, revoked_at__isnull=True)
    assert backup["public_key"] == enrolled.public_key
    assert backup["kdf"]["name"] == "PBKDF2" and backup["kdf"]["iterations"] >= 600_000
    assert enrolled.public_key not in backup["secret"]
    integrate_pending()  # the log's sequencer: a signed tree head now lists bob's key
    assert enrolled.public_key in queries.roster("org", queries.latest_size())

    # Opening the page fetches the ring and starts its checks in a worker, before any click.
    with bob.page.expect_worker() as checker:
        bob.goto(f"/memos/{memo.pk}/")
    assert checker.value.url.endswith("/static/anonymous/ring-worker.js")
    assert bob.button("Sign").is_visible()
    with bob.page.expect_request(lambda request: request.url.endswith(SIGNATURES)) as sent:
        bob.button("Sign anonymously").click()
    bob.page.get_by_text(bob.t(SENT)).wait_for()
    assert not bob.button("Sign anonymously").is_visible()  # once is enough
    headers = sent.value.all_headers()
    assert "cookie" not in headers and "referer" not in headers
    assert AnonymousSignature.objects.filter(memo=memo).count() == 1
    bob.step("signed-anonymously")

    bob.reload()
    assert bob.signature_count() == 2
    assert (
        bob.t(
            "%(named)s named, %(protected)s protected, %(anonymous)s anonymous, all verified",
            named=1,
            protected=0,
            anonymous=1,
        )
        in bob.text()
    )
    # This browser remembers: a named signature too would count bob twice, so it is not offered.
    bob.page.locator("#signed-anonymously-here").wait_for()
    assert not bob.button("Sign").is_visible()
    assert not bob.button("Sign anonymously").is_visible()
    bob.step("named-signing-refused")

    # Erin, invited too, on the same browser once bob signs out: bob's record of the memo does
    # not refuse her the named form.
    sign_out(bob)
    erin = browsing.sign_in(cast.erin, visitor=bob)
    erin.goto(f"/memos/{memo.pk}/")
    erin.page.locator("#anonymous-signing").wait_for()  # offered: she has not signed it
    assert erin.button("Sign").is_visible()
    assert not erin.page.locator("#signed-anonymously-here").is_visible()
    sign_out(erin)
    bob = browsing.sign_in(cast.bob, visitor=erin)

    # The key page lists the memo; before filing there is no receipt yet. Once it is filed,
    # this browser fetches the filing receipt for its signature, without a cookie, and the
    # page checks that the filing counted it (bob, invited but not a named signer, can no
    # longer read the memo itself).
    settings.ANONYMOUS_SEND_DELAY = (1, 1)  # a wait it must keep, short enough for a test
    bob.goto("/accounts/anonymous-key/")
    bob.page.locator("#anonymous-receipts[data-listed]").wait_for()  # the script read this browser's records
    listed = bob.page.locator("#anonymous-receipts li")
    assert listed.count() == 1 and TITLE in listed.inner_text()
    with browsing.console_errors_allowed(r"status of 404 .* at .*/api/v1/anonymous/receipt$"):
        bob.button("Download receipt (JSON)").click()
        bob.page.get_by_text(bob.t(NO_RECEIPT_YET)).wait_for()
    memo_actions.file_memo(memo, cast.alice)
    integrate_pending()
    with (
        bob.page.expect_request(lambda request: request.url.endswith(RECEIPT)) as asked,
        bob.page.expect_download() as download,
    ):
        clicked = time.monotonic()
        bob.button("Download receipt (JSON)").click()
        bob.page.get_by_text(bob.t(WAITING, seconds=1)).wait_for()
    assert time.monotonic() - clicked >= 1.0, "the receipt request went out before its wait"
    bob.page.get_by_text(bob.t(COUNTED, count=2)).wait_for()
    assert "cookie" not in asked.value.all_headers()
    receipt = json.loads(Path(download.value.path()).read_text())
    assert check_receipt(receipt) == []
    assert receipt["signature_count"] == 2
    tag = AnonymousSignature.objects.get(memo=memo).tag
    assert json.loads(receipt["event"]["record"])["payload"]["anonymous_signatures"] == [tag]
    bob.step("anonymous-receipt")

    # Another member on the same browser: the records are this browser's, but the key page
    # lists only memos signed with the signed-in member's own keys.
    sign_out(bob)
    erin = browsing.sign_in(cast.erin, visitor=bob)
    erin.goto("/accounts/anonymous-key/")
    erin.page.locator("#anonymous-receipts[data-listed]").wait_for(state="attached")
    assert erin.page.locator("#anonymous-receipts").get_attribute("data-listed") == "0"
    assert not erin.page.locator("#anonymous-receipts").is_visible()
    assert erin.page.locator("#anonymous-receipts li").count() == 0


def test_a_signature_that_got_no_answer_keeps_the_named_form_refused_and_can_be_sent_again(
    browsing: Browsing, cast: Cast, settings: LazySettings
) -> None:
    settings.ANONYMOUS_SEND_DELAY = (0, 0)
    for i in range(4):
        actions.enrol_key(make_person(f"colleague{i}"), ring.public_key(ring.generate_secret()).hex())
    memo = make_memo(
        MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob], title=TITLE
    )
    bob = browsing.sign_in(cast.bob)
    make_key(bob)
    integrate_pending()
    bob.goto(f"/memos/{memo.pk}/")
    unconfirmed = bob.t(
        "Your anonymous signature was sent but no answer came, so it may already count. Press the "
        "button to send it again (it cannot count twice); signing by name is not offered meanwhile."
    )

    bob.page.route(f"**{SIGNATURES}", lambda route: route.abort())  # the network drops it
    with browsing.console_errors_allowed("Failed to load resource"):
        bob.button("Sign anonymously").click()
        bob.page.get_by_text(unconfirmed).wait_for()
    assert not bob.button("Sign").is_visible()
    bob.reload()  # the browser remembers it sent one
    bob.page.get_by_text(unconfirmed).wait_for()
    assert not bob.button("Sign").is_visible()
    assert not AnonymousSignature.objects.filter(memo=memo).exists()
    bob.page.unroute(f"**{SIGNATURES}")
    bob.button("Sign anonymously").click()

    bob.page.get_by_text(bob.t(SENT)).wait_for()
    assert AnonymousSignature.objects.filter(memo=memo).count() == 1
    bob.step("sent-again")


def test_a_second_browser_restores_the_key_from_its_backup_and_only_with_the_passphrase(
    browsing: Browsing, cast: Cast
) -> None:
    first = browsing.sign_in(cast.bob)
    backup = make_key(first)
    second = browsing.sign_in(cast.bob)  # another browser: no key in it
    second.goto("/accounts/anonymous-key/")
    second.page.get_by_text(
        second.t(
            "This browser does not hold your key. Restore it from your backup file to sign anonymously here."
        )
    ).wait_for()

    second.page.locator("#backup-file").set_input_files(backup)
    second.field("Passphrase").fill("not the passphrase at all")
    second.button("Restore").click()
    second.page.get_by_text(second.t("That passphrase does not open this backup file.")).wait_for()
    second.field("Passphrase").fill(PASSPHRASE)
    second.button("Restore").click()

    second.page.get_by_text(second.t("Your key is restored in this browser.")).wait_for()
    second.page.get_by_text(second.t("This browser holds your key.")).wait_for()
    second.step("key-restored")


def test_without_javascript_the_key_page_says_why_it_cannot_make_a_key(
    browsing: Browsing, cast: Cast
) -> None:
    browsing.javascript = False
    bob = browsing.sign_in(cast.bob)

    bob.goto("/accounts/anonymous-key/")

    assert (
        bob.t(
            "Making and using a key needs JavaScript: the secret half must be made and kept in your browser."
        )
        in bob.text()
    )
    assert not bob.button("Make my key").is_visible()
    bob.step("key-page-without-javascript")
