"""E-mail notifications: one message per recipient, sent by the background worker.

`send_notice(person, notice, context)` enqueues a task in the caller's transaction, so a
notice goes out exactly when the change it reports is committed, and never for a change
that was rolled back. Each message is addressed to its one recipient only: no recipient
list ever shows who else was told, which matters when some of them signed under a
protected name. The message is rendered when it is sent, from the templates
`notify/<notice>.txt` (first line: the subject), in the site's language.

Context values are plain JSON values (they are stored with the task). Never put a protected
signer's name in a context that goes to anyone but that signer.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from dissent import identities
from dissent.org.models import Person

#: Every notice the channel sends; a template notify/<name>.txt exists for each (a test checks).
NOTICES = frozenset(
    {
        "memo_filed",
        "memo_acknowledged",
        "reviewer_assigned",
        "reply_awaiting_approval",
        "reply_sent",
        "reply_extended",
        "meeting_proposed",
        "meeting_answered",
        "deadline_reminder",
        "deadline_escalation",
        "two_factor_changed",
    }
)


def send_notice(person: Person, notice: str, context: dict[str, Any]) -> None:
    """Queue `notice` for `person` (skipped for people without an address or no longer active)."""
    from .tasks import deliver

    if notice not in NOTICES:
        raise ValueError(f"unknown notice {notice!r}")
    if not person.is_active or not person.email:
        return
    # The task row names its recipient only sealed: a queued "your memo was acknowledged"
    # must not tell a database dump that this person signed (dissent/identities.py).
    deliver.enqueue(identities.seal(person.pk), notice, context)


def render(person: Person, notice: str, context: dict[str, Any]) -> EmailMessage:
    """The message for one recipient: the template's first line is the subject."""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        text = render_to_string(
            f"notify/{notice}.txt",
            {
                **context,
                "recipient": person.get_full_name() or person.username,
                "site_url": settings.SITE_URL,
            },
        )
    subject, _, body = text.strip().partition("\n")
    # one line whatever a title held (a line break in a subject is refused by the mail library)
    return EmailMessage(subject=" ".join(subject.split()), body=body.strip() + "\n", to=[person.email])
