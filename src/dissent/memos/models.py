"""Dissent memos and the people around them: drafters, invitees, signers, addenda."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dissent import clock
from dissent.markings.models import Caveat, Marking

from .unicode_checks import TitleWarning, title_warnings


class MemoState(models.TextChoices):
    """draft -> open -> filed -> acknowledged -> replied -> closed; withdrawn from draft or open."""

    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for signatures")
    FILED = "filed", _("Filed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: States in which the memo has been filed with the channel; its content never changes again.
FILED_STATES = frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED, MemoState.CLOSED})


class Visibility(models.TextChoices):
    """Who may see a signer's name."""

    NAMED = "named", _("Named: everyone who may see the memo sees my name")
    PROTECTED = "protected", _("Protected: only the channel's custodians see my name")


class Memo(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=2000)
    body = models.TextField(_("body (Markdown)"))
    policy = models.CharField(_("policy questioned"), max_length=300)
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memos_addressed",
        verbose_name=_("addressee"),
    )
    marking = models.ForeignKey(
        Marking, on_delete=models.PROTECT, related_name="+", verbose_name=_("marking")
    )
    state = models.CharField(_("state"), max_length=20, choices=MemoState.choices, default=MemoState.DRAFT)
    #: Empty when the creator drafts under a protected name (see Drafter).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    #: When the retention purge removed the memo's texts and identities (memos/retention.py).
    purged_at = models.DateTimeField(_("purged"), null=True, blank=True)
    #: SHA-256 of the canonical JSON of the filed content (memos/content.py); set once, at filing.
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    #: When the channel must acknowledge and reply, computed at filing from the channel
    #: policy (deadlines/channel.py) and recorded in the filing event too.
    ack_due = models.DateTimeField(_("acknowledgment due"), null=True, blank=True)
    reply_due = models.DateTimeField(_("reply due"), null=True, blank=True)
    caveats = models.ManyToManyField(Caveat, blank=True, related_name="+", verbose_name=_("caveats"))
    #: While the memo is open, everyone in this unit and the units below it may find and
    #: co-sign it, besides those invited; empty: only those invited (memos/calls.py).
    call_unit = models.ForeignKey(
        "org.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("open to colleagues in"),
        db_index=False,  # a partial index below: most memos are open to invited colleagues only
    )
    #: Who prepares the substantive reply, assigned by a custodian (memos/responses.py).
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memos_to_review",
        verbose_name=_("reviewer"),
        db_index=False,  # a partial index below: most memos have no reviewer
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "filed_at"]),
            # Partial: the columns are mostly empty, and a full index would tell SQLite's
            # planner that "reviewer_id = ?" matches most memos (ANALYZE counts the NULLs).
            models.Index(
                fields=["reviewer"], name="memo_reviewer_assigned", condition=models.Q(reviewer__isnull=False)
            ),
            models.Index(
                fields=["call_unit"], name="memo_open_to_unit", condition=models.Q(call_unit__isnull=False)
            ),
        ]
        verbose_name = _("memo")
        verbose_name_plural = _("memos")

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        """The title, or a plain note once the retention purge has removed it."""
        return (
            str(_("Memo %(id)s (purged under the retention policy)") % {"id": self.pk})
            if self.purged_at
            else self.title
        )

    @property
    def title_warnings(self) -> list[TitleWarning]:
        """How the title may deceive a reader (memos/unicode_checks.py), shown next to it."""
        return [] if self.purged_at else title_warnings(self.title)

    @property
    def is_filed(self) -> bool:
        return self.state in FILED_STATES


class Drafter(models.Model):
    """A person who may edit the memo while it is a draft, and who files it.

    The memo's creator may draft under a protected name: then, like a protected signature,
    the row has no person but the person sealed and a blind index (dissent/identities.py)."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="drafters")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_sealed = models.TextField(blank=True)
    person_tag = models.CharField(max_length=64, blank=True)
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memo", "person"], name="one_drafter_row_per_person"),
            models.UniqueConstraint(
                fields=["memo", "person_tag"],
                condition=~models.Q(person_tag=""),
                name="one_protected_drafter_row_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, person_sealed="", person_tag="")
                | (models.Q(person__isnull=True) & ~models.Q(person_sealed="") & ~models.Q(person_tag="")),
                name="a_protected_drafter_names_nobody",
            ),
        ]
        indexes = [models.Index(fields=["person_tag"], name="drafter_person_tag")]

    def __str__(self) -> str:
        return f"{self.person or 'a protected drafter'} drafts {self.memo}"

    @property
    def protected(self) -> bool:
        return self.person_id is None


class Invitation(models.Model):
    """An invitation to co-sign. Invitees may read the memo while it is open."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["memo", "person"], name="one_invitation_per_person")]

    def __str__(self) -> str:
        return f"{self.person} invited to {self.memo}"


class Signature(models.Model):
    """A co-signature. Withdrawing deletes the row (the event record keeps the history),
    so the count of rows is always the exact number of current signatures.

    A named signature references its signer. A protected one does not: `person` is empty
    and the signer is sealed (encrypted) in `signer_sealed`, found again through the blind
    index `signer_tag` (memos/identities.py), so a database dump does not say who it is."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="signatures")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    signer_sealed = models.TextField(blank=True)
    signer_tag = models.CharField(max_length=64, blank=True)
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices)
    #: The signer is willing to be invited when leadership proposes a meeting about the memo.
    open_to_meeting = models.BooleanField(_("open to a meeting"), default=False)
    signed_at = models.DateTimeField(_("signed"), default=clock.now)
    #: Set by the retention purge (memos/retention.py): the row stays, so the count stays
    #: exact, but it no longer says who signed, named or protected.
    purged = models.BooleanField(default=False)

    class Meta:
        ordering = ["signed_at", "id"]
        indexes = [models.Index(fields=["signer_tag"], name="signature_signer_tag")]
        constraints = [
            models.UniqueConstraint(fields=["memo", "person"], name="one_signature_per_person"),
            models.UniqueConstraint(
                fields=["memo", "signer_tag"],
                condition=~models.Q(signer_tag=""),
                name="one_protected_signature_per_person",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        purged=False,
                        visibility="named",
                        person__isnull=False,
                        signer_sealed="",
                        signer_tag="",
                    )
                    | (
                        models.Q(purged=False, visibility="protected", person__isnull=True)
                        & ~models.Q(signer_sealed="")
                        & ~models.Q(signer_tag="")
                    )
                    | models.Q(purged=True, person__isnull=True, signer_sealed="", signer_tag="")
                ),
                name="protected_signatures_name_nobody",
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.pk} on {self.memo}"


class Reader(models.Model):
    """Someone a custodian added to a filed memo's distribution, with the reason, which is
    shown on the memo with the rest of the list."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="readers")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["memo", "person"], name="one_reader_row_per_person")]

    def __str__(self) -> str:
        return f"{self.person} reads {self.memo}"


class Extension(models.Model):
    """A custodian moved the reply deadline, with a reason the drafters and signers see."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveSmallIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20)
    reason = models.TextField(_("reason"))
    due_before = models.DateTimeField(_("due before"))
    due_after = models.DateTimeField(_("due after"))
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"extension {self.pk} of {self.memo}"


class Addendum(models.Model):
    """A correction or update to a filed memo; the filed text itself never changes."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("body (Markdown)"))
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = _("addenda")

    def __str__(self) -> str:
        return f"addendum {self.pk} to {self.memo}"


class Acknowledgment(models.Model):
    """The channel's acknowledgment of a filed memo; its text goes to drafters and signers."""

    memo = models.OneToOneField(Memo, on_delete=models.CASCADE, related_name="acknowledgment")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("acknowledgment"))
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"acknowledgment of {self.memo}"


class Reply(models.Model):
    """The substantive reply: drafted (and redrafted) by a custodian or the reviewer, then
    approved by the addressee or another custodian, which sends it. It carries a handling
    marking of its own, like a memo."""

    memo = models.OneToOneField(Memo, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("reply (Markdown)"))
    marking = models.ForeignKey(
        Marking, on_delete=models.PROTECT, related_name="+", verbose_name=_("marking")
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"reply to {self.memo}"

    @property
    def is_sent(self) -> bool:
        return self.approved_at is not None


class Meeting(models.Model):
    """A meeting leadership proposes with the dissenters of one memo."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="meetings")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place or link"), max_length=300)
    agenda = models.TextField(_("agenda"), blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"meeting on {self.memo} at {self.starts_at:%Y-%m-%d %H:%M}"


class MeetingResponse(models.TextChoices):
    PENDING = "pending", _("Not answered yet")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class MeetingInvitation(models.Model):
    """One invitee of a meeting. A protected signer's name is shown to the proposer only
    once they accept (memos/responses.py decides what each viewer sees)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    #: Empty for a protected invitee, who is sealed like a protected signer (memos/identities.py).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_sealed = models.TextField(blank=True)
    person_tag = models.CharField(max_length=64, blank=True)
    protected = models.BooleanField(default=False)
    response = models.CharField(
        max_length=20, choices=MeetingResponse.choices, default=MeetingResponse.PENDING
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_invitation_per_meeting"),
            models.UniqueConstraint(
                fields=["meeting", "person_tag"],
                condition=~models.Q(person_tag=""),
                name="one_protected_invitation_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} invited to {self.meeting}"
