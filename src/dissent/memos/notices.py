"""Who hears of what happens to a memo, and what the message says of it (the messages
themselves are notify/notices.py). Shared by actions.py and responses.py."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from dissent import identities
from dissent.deadlines import tasks as deadline_tasks
from dissent.notify.notices import send_notice
from dissent.org.models import Person, Role

from .models import Drafter, Memo, Signature


def local_time(moment: datetime | None) -> str:
    """A moment as the channel's people read it: local date and time with the zone."""
    if moment is None:
        return ""
    tz = ZoneInfo(settings.CHANNEL_TIME_ZONE)  # a setting: no query, unlike the rest of the policy
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def memo_context(memo: Memo) -> dict[str, Any]:
    """What every notice about a memo says of it. The title is folded onto one line so that
    it can stand in a subject; the body never goes into an e-mail."""
    return {
        "memo_id": memo.pk,
        "title": " ".join(memo.title.split()),
        "marking": memo.marking.code,
        "memo_path": reverse("memos:detail", args=[memo.pk]),
        "reply_due": local_time(memo.reply_due),
    }


def dissenters(memo: Memo) -> list[Person]:
    """Drafters and current signers, once each: the people the channel answers to."""
    ids: set[int] = set()
    for person_id, sealed in Drafter.objects.filter(memo=memo).values_list("person_id", "person_sealed"):
        ids.add(person_id if person_id is not None else identities.unseal(sealed))
    for person_id, sealed in Signature.objects.filter(memo=memo, purged=False).values_list(
        "person_id", "signer_sealed"
    ):
        ids.add(person_id if person_id is not None else identities.unseal(sealed))
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


def custodians() -> QuerySet[Person]:
    return Person.objects.filter(role=Role.CUSTODIAN, is_active=True).order_by("pk")


def notify_filed(memo: Memo, signature_count: int) -> None:
    """Called by file_memo: custodians and the addressee hear of the filing, and the
    reminders and escalations for both deadlines are scheduled."""
    context = {
        **memo_context(memo),
        "addressee": memo.addressee.get_full_name() or memo.addressee.username,
        "signature_count": signature_count,
        "ack_due": local_time(memo.ack_due),
    }
    for person in {*custodians(), memo.addressee}:
        send_notice(person, "memo_filed", context)
    deadline_tasks.schedule(memo)


def extension_notice(memo: Memo, *, before: datetime, reason: str) -> None:
    """Called by extend_reply_deadline: the dissenters see the new date and why, and the
    reminders for the new date are scheduled."""
    context = {**memo_context(memo), "due_before": local_time(before), "reason": reason}
    for each in dissenters(memo):
        send_notice(each, "reply_extended", context)
    deadline_tasks.schedule(memo)


def default_acknowledgment(memo: Memo) -> str:
    return _(
        "The channel has received your memo and will send a substantive reply by %(due)s. "
        "You can follow its progress on the memo's page."
    ) % {"due": local_time(memo.reply_due)}
