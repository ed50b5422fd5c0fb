"""The append-only record of everything that happens in the channel."""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    """Stored values are a contract with the log and with verifiers: never rename them."""

    MEMO_CREATED = "memo.created", _("Memo created")
    MEMO_EDITED = "memo.edited", _("Memo edited")
    MEMO_DRAFTER_ADDED = "memo.drafter_added", _("Co-drafter added")
    MEMO_INVITED = "memo.invited", _("Co-signer invited")
    MEMO_OPENED = "memo.opened", _("Memo opened for signatures")
    MEMO_SIGNED = "memo.signed", _("Memo signed")
    MEMO_SIGNATURE_WITHDRAWN = "memo.signature_withdrawn", _("Signature withdrawn")
    MEMO_FILED = "memo.filed", _("Memo filed")
    MEMO_ACKNOWLEDGED = "memo.acknowledged", _("Memo acknowledged")
    MEMO_REPLIED = "memo.replied", _("Memo replied to")
    MEMO_CLOSED = "memo.closed", _("Memo closed")
    MEMO_WITHDRAWN = "memo.withdrawn", _("Memo withdrawn")
    MEMO_ADDENDUM_ADDED = "memo.addendum_added", _("Addendum added")
    MEMO_REPLY_EXTENDED = "memo.reply_extended", _("Reply deadline extended")
    MEMO_REVIEWER_ASSIGNED = "memo.reviewer_assigned", _("Reviewer assigned")
    MEMO_REPLY_DRAFTED = "memo.reply_drafted", _("Reply drafted")
    MEMO_MEETING_PREFERENCE = "memo.meeting_preference", _("Signer's meeting preference changed")
    MEETING_PROPOSED = "meeting.proposed", _("Meeting proposed")
    MEETING_ANSWERED = "meeting.answered", _("Meeting invitation answered")
    DEADLINE_REMINDED = "deadline.reminded", _("Deadline reminder sent")
    DEADLINE_ESCALATED = "deadline.escalated", _("Overdue deadline escalated")
    PERSON_TIME_ZONE_SET = "person.time_zone_set", _("Time zone chosen")
    PERSON_LANGUAGE_SET = "person.language_set", _("Language chosen")
    PERSON_SIGNED_OUT_EVERYWHERE = "person.signed_out_everywhere", _("Signed out everywhere")
    MEMO_READ = "memo.read", _("Memo read or exported")
    MEMO_READER_ADDED = "memo.reader_added", _("Reader added to the distribution")
    MEMO_CAVEATS_SET = "memo.caveats_set", _("Caveats set")
    MEMO_CALL_SET = "memo.call_set", _("Memo opened to colleagues, or closed to them")
    MEMO_PURGED = "memo.purged", _("Memo purged under the retention policy")
    MEMO_PROTECTED_NAMES_SHOWN = "memo.protected_names_shown", _("Protected names shown to a custodian")
    PERSON_ACCESS_TOKEN_CREATED = "person.access_token_created", _("API access token created")
    PERSON_ACCESS_TOKEN_REVOKED = "person.access_token_revoked", _("API access token revoked")
    PERSON_TWO_FACTOR_ENABLED = "person.two_factor_enabled", _("Two-step verification set up")
    PERSON_TWO_FACTOR_DISABLED = "person.two_factor_disabled", _("Two-step verification turned off")
    PERSON_TWO_FACTOR_RESET = "person.two_factor_reset", _("Two-step verification reset by an administrator")
    PERSON_RECOVERY_CODES_CREATED = "person.recovery_codes_created", _("New recovery codes made")
    PERSON_RECOVERY_CODE_USED = "person.recovery_code_used", _("Recovery code used to sign in")
    ANONYMOUS_KEY_ENROLLED = "anonymous.key_enrolled", _("Key for anonymous signing enrolled")
    ANONYMOUS_KEY_REVOKED = "anonymous.key_revoked", _("Key for anonymous signing revoked")
    MEMO_SIGNED_ANONYMOUSLY = "memo.signed_anonymously", _("Memo signed anonymously")


class AppendOnlyError(Exception):
    pass


class Event(models.Model):
    """One thing that happened: who did what to which object, when, with what payload.

    Rows are only ever inserted. `payload_sha256` is the SHA-256 of the payload's
    canonical JSON (events/canonical.py), so a changed payload is detectable.
    """

    #: One of EventKind's values: record_event() takes only an EventKind. Not a field with
    #: choices=, which made every new kind a migration repeating all the others.
    kind = models.CharField(_("kind"), max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.BigIntegerField(_("object id"))
    created_at = models.DateTimeField(_("time"), db_index=True)
    payload = models.JSONField(_("payload"), default=dict)
    payload_sha256 = models.CharField(_("payload SHA-256"), max_length=64)
    #: The whole event as canonical JSON (events/canonical.py, docs/events.md): the bytes
    #: the tamper-evident log hashes as this event's leaf. Written once, never changed.
    record = models.TextField(_("canonical record"))
    #: Set by the retention purge, the one sanctioned change to an event: actor, payload,
    #: payload hash and record are emptied; the log keeps the leaf hash (events/retention.py).
    purged_at = models.DateTimeField(_("purged"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The anonymous-signing rosters are rebuilt from these few events of a large log.
            models.Index(
                fields=["kind"],
                name="event_roster_kinds",
                condition=models.Q(kind__in=["anonymous.key_enrolled", "anonymous.key_revoked"]),
            ),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("events are append-only")

    def canonical_fields(self) -> dict[str, Any]:
        """What the record says, rebuilt from the columns (verifylog compares the two)."""
        return {
            "v": 1,
            "kind": self.kind,
            "actor": self.actor_id,
            "object": {"type": self.object_type, "id": self.object_id},
            "at": timestamp(self.created_at),
            "payload": self.payload,
            "payload_sha256": self.payload_sha256,
        }


class PendingEvent(models.Model):
    """The sequencer's queue: an event waiting to be integrated into the log. Written in
    the same transaction as the event; deleted by the sequencer when it integrates it."""

    event = models.OneToOneField(Event, primary_key=True, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"pending event {self.pk}"


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, 'Z': one spelling of a time in every record."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
