"""What an administrator can change about the channel's promises, and what the worker has
already done about them.

`ChannelSettings` is one row (pk=1) of overrides on top of the settings-level preset
(CHANNEL_PRESET): a blank field means "as the preset says". `ClosureDay` adds the
organisation's own closures to the public-holiday calendar. `DeadlineNotice` is the
exactly-once record of each reminder and escalation (deadlines/tasks.py).
"""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

from dissent import clock

from .calendar import UNITS
from .presets import PRESETS

#: The policy caches `extension_by` for a few seconds (memos/policy.py); saving clears it.
EXTENSION_BY_CACHE_KEY = "channel-settings:extension-by"

UNIT_LABELS = {"working_days": _("working days"), "calendar_days": _("calendar days"), "months": _("months")}
UNIT_CHOICES = [(unit, UNIT_LABELS[unit]) for unit in UNITS]


class ChannelSettings(models.Model):
    preset = models.CharField(
        _("preset"),
        max_length=50,
        blank=True,
        choices=[(name, _(preset.title)) for name, preset in PRESETS.items()],
        help_text=_("Blank: the CHANNEL_PRESET setting."),
    )
    ack_amount = models.PositiveSmallIntegerField(_("time to acknowledge"), null=True, blank=True)
    ack_unit = models.CharField(_("unit"), max_length=20, blank=True, choices=UNIT_CHOICES)
    reply_amount = models.PositiveSmallIntegerField(_("time to reply"), null=True, blank=True)
    reply_unit = models.CharField(_("unit"), max_length=20, blank=True, choices=UNIT_CHOICES)
    extension_max_amount = models.PositiveSmallIntegerField(
        _("longest extension"), null=True, blank=True, help_text=_("In the reply deadline's unit.")
    )
    extension_max_times = models.PositiveSmallIntegerField(_("extensions allowed"), null=True, blank=True)
    extension_by = models.CharField(
        _("who may extend the reply deadline"),
        max_length=30,
        choices=[
            ("custodian", _("The channel's custodians")),
            ("custodian_or_addressee", _("The custodians and the memo's addressee")),
        ],
        default="custodian",
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalate to"),
        help_text=_("Blank: every principal other than the memo's addressee."),
    )
    ack_reminder_days = models.PositiveSmallIntegerField(
        _("remind before the acknowledgment is due (working days)"), default=1
    )
    reply_reminder_days = models.PositiveSmallIntegerField(
        _("remind before the reply is due (working days)"), default=5
    )
    reply_needs_second_person = models.BooleanField(
        _("a reply is approved by someone other than its author"), default=True
    )
    retention_days = models.PositiveIntegerField(
        _("keep closed memos for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "After this many days from closing, `dissent purge` removes a memo's texts and identities; "
            "the tamper-evident log keeps the hashes. Blank: keep them."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel settings")
        verbose_name_plural = _("channel settings")

    def __str__(self) -> str:
        return str(_("Channel settings"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1  # one row: the admin edits it, nobody creates a second
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        cache.delete(EXTENSION_BY_CACHE_KEY)


class ClosureDay(models.Model):
    """A day the organisation is closed beyond the public holidays: not a working day."""

    day = models.DateField(_("day"), unique=True)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["day"]
        verbose_name = _("closure day")

    def __str__(self) -> str:
        return f"{self.day}: {self.reason}"


class NoticeKind(models.TextChoices):
    ACK_REMINDER = "ack_reminder", _("Acknowledgment reminder")
    ACK_ESCALATION = "ack_escalation", _("Acknowledgment overdue: escalated")
    REPLY_REMINDER = "reply_reminder", _("Reply reminder")
    REPLY_ESCALATION = "reply_escalation", _("Reply overdue: escalated")


class DeadlineNotice(models.Model):
    """A reminder or escalation that was sent. The unique constraint is what makes each
    one happen exactly once, however many workers race for it; a new due date (after an
    extension) is a new deadline and gets notices of its own."""

    memo = models.ForeignKey("memos.Memo", on_delete=models.CASCADE, related_name="deadline_notices")
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    due = models.DateTimeField()
    sent_at = models.DateTimeField(default=clock.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["memo", "kind", "due"], name="one_notice_per_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for memo {self.memo_id}"
