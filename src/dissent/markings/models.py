"""Handling markings (e.g. SBU) as data, so an organisation can define its own scheme."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportRule(models.TextChoices):
    """Who may export (PDF, JSON) a memo carrying the marking, among those who may read it."""

    READERS = "readers", _("Everyone who may read it")
    NOT_SIGNERS = "not_signers", _("Not its co-signers (drafters, custodians and the addressee may)")
    CUSTODIANS = "custodians", _("Only the channel's custodians")


class Marking(models.Model):
    """One level of the handling-marking scheme. `rank` orders levels: higher is more
    sensitive, so a page showing several marked parts shows the highest."""

    code = models.SlugField(_("code"), max_length=40, unique=True, allow_unicode=False)
    label = models.CharField(_("label"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0)
    description = models.TextField(_("handling guidance"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    export_rule = models.CharField(
        _("who may export"), max_length=20, choices=ExportRule.choices, default=ExportRule.READERS
    )

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("handling marking")
        verbose_name_plural = _("handling markings")

    def __str__(self) -> str:
        return self.label


class Caveat(models.Model):
    """A distribution limit added to a memo's marking (e.g. NOFORN-style: "not releasable
    outside these units"). Everyone put on a memo carrying the caveat, as co-drafter,
    invitee, reviewer or added reader, must belong to one of `units` or a unit below them;
    an empty list limits nobody. Shown after the marking: CONFIDENTIAL//HQ-ONLY."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    description = models.TextField(_("handling guidance"), blank=True)
    units = models.ManyToManyField("org.OrgUnit", blank=True, related_name="+", verbose_name=_("units"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("caveat")

    def __str__(self) -> str:
        return self.code


def highest_marking(*markings: Marking | None) -> Marking:
    """The most restrictive of the markings shown together (None entries are ignored)."""
    present = [m for m in markings if m is not None]
    if not present:
        raise ValueError("at least one marking is needed")
    return max(present, key=lambda m: m.rank)
