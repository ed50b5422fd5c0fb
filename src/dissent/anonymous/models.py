"""Anonymous co-signing (docs/anonymous-signatures.md): the keys members enrol for it, each
memo's ring, and the signatures, which name nobody."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dissent.memos.models import Memo

#: The one group every enrolled key belongs to; a unit's group is "unit:" + its code.
ORGANISATION = "org"


class AnonymousKey(models.Model):
    """A public key a member made in their browser for anonymous signing; the secret never
    leaves the device. Enrolment and revocation are events in the log: the roster of a group
    at any log size is rebuilt from them (queries.roster), so it cannot be padded or shrunk
    quietly."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    public_key = models.CharField(_("public key"), max_length=64, unique=True)  # hex, 32 bytes
    unit_code = models.CharField(_("unit at enrolment"), max_length=40, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_key_per_person",
            )
        ]

    def __str__(self) -> str:
        return self.public_key


class MemoRing(models.Model):
    """A memo's anonymous-signing parameters. `secret` goes into the signed event, so only
    people shown the memo can sign it (and nobody can probe for memos they cannot see); the
    ring (group and log size) is fixed by the first anonymous signature, so that a member who
    revokes a key and enrols another cannot sign the same memo twice."""

    memo = models.OneToOneField(Memo, on_delete=models.CASCADE, primary_key=True, related_name="+")
    secret = models.CharField(max_length=32)
    group = models.CharField(max_length=50, blank=True)
    log_size = models.BigIntegerField(null=True, blank=True)
    #: The drafters' choice while the memo is a draft: whether a member may sign it both by
    #: name and anonymously, and so count twice. Off by default (docs/anonymous-signatures.md).
    count_both_ways = models.BooleanField(_("counts a member who signs both ways twice"), default=False)

    def __str__(self) -> str:
        return f"ring of memo {self.memo_id}"


class AnonymousSignature(models.Model):
    """One verified anonymous signature. No person, address, user agent or exact time: only
    what anyone needs to verify it again, and the date."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=64)  # hex: the same for every signature of one key on this memo
    signature = models.TextField()  # base64
    signed_on = models.DateField()
    #: Hex SHA-256 of the receipt key the signer's browser derived from its secret and the
    #: memo; whoever shows that key may fetch the filing receipt (queries.anonymous_receipt).
    #: Empty when the client sent none.
    receipt_key_sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memo", "tag"], name="one_anonymous_signature_per_key")
        ]

    def __str__(self) -> str:
        return self.tag
