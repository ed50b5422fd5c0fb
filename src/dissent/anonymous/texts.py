"""The words of the anonymous-signing scripts, in the reader's language."""

from django.utils.translation import gettext as _


def browser_texts() -> dict[str, str]:
    """What the page scripts say, in the reader's language (the scripts read it from a JSON
    element: no inline script, no second request for a catalogue)."""
    return {
        "passphrase_short": _("Choose a passphrase of at least 12 characters."),
        "passphrase_differs": _("The two passphrases differ."),
        "making": _("Making your key…"),
        "made": _(
            "Your key is enrolled and this browser holds it. Your backup file has been "
            "downloaded: keep it apart from your passphrase."
        ),
        "failed": _("That did not work: %(reason)s"),
        "held": _("This browser holds your key."),
        "not_held": _(
            "This browser does not hold your key. Restore it from your backup file to sign anonymously here."
        ),
        "no_storage": _("This browser cannot keep a key (private browsing?): signing anonymously needs one."),
        "restored": _("Your key is restored in this browser."),
        "wrong_backup": _("That file is not a backup of your enrolled key."),
        "wrong_passphrase": _("That passphrase does not open this backup file."),
        "not_a_backup": _("That file is not a key backup from this channel."),
        "backup_ready": _("Your backup file has been downloaded."),
        "fetching": _("Fetching the ring…"),
        "small_ring": _(
            "This ring has only %(size)s keys; anonymous signing needs at least %(min)s, or "
            "it would say too much about who signed."
        ),
        "not_in_ring": _(
            "Your key is not in this memo's ring: it was enrolled after the ring was fixed, "
            "or after the latest signed log. Try again in a minute, or sign by name."
        ),
        "signing": _("Signing… (this takes about a second for a large ring)"),
        "waiting": _(
            "Signed. It will be sent in about %(seconds)s seconds, without your session: keep this page open."
        ),
        "sent": _("Your anonymous signature counts now. Reload the page to see the new count."),
        "already": _("This key has already signed this memo anonymously."),
        "ring_changed": _(
            "Someone signed this memo anonymously first, which fixed its ring: reload the page "
            "and sign again."
        ),
        "unconfirmed": _(
            "Your anonymous signature was sent but no answer came, so it may already count. "
            "Press the button to send it again (it cannot count twice); signing by name is "
            "not offered meanwhile."
        ),
        "receipt_counted": _(
            "Your receipt has been downloaded. Your anonymous signature is one of the "
            "%(count)s signatures this memo was filed with."
        ),
        "receipt_not_counted": _(
            "Your receipt has been downloaded, but the filing does not list the signature this "
            "browser sent. Keep the receipt: it shows what was filed."
        ),
        "receipt_none": _(
            "No receipt yet: the memo has not been filed, or the channel holds none for this browser's key."
        ),
        "receipt_no_secret": _(
            "This browser no longer holds the key that signed this memo: restore it from its "
            "backup file to fetch the receipt."
        ),
        "receipt_waiting": _(
            "The receipt will be fetched in about %(seconds)s seconds, without your session: "
            "keep this page open."
        ),
        "receipt_button": _("Download receipt (JSON)"),
        "receipt_memo": _("Memo %(id)s"),
        "receipt_memo_titled": _("Memo %(id)s: %(title)s"),
        "signed_here": _(
            "You signed this memo anonymously from this browser: signing it by name too would "
            "count you twice, so the named signature is not offered."
        ),
    }
