"""Named sets of reply deadlines, each with the text it comes from.

A preset is data: the acknowledgment and reply rules, who may extend the reply and by
how much, whom an overdue reply escalates to, and the sources with the sentences quoted
from them, so that an administrator choosing a preset can read what it is based on and
how far that was checked. Role names are the stored values of ``dissent.org.models.Role``
(kept as strings so that this module stays importable without Django); a test holds them
to that enum.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from dissent.deadlines.calendar import Rule, Unit


@dataclass(frozen=True)
class Source:
    """Where a rule comes from. ``quote`` is the sentence itself, or None where we could
    not read it; ``checked`` says how the figures were checked, in plain words."""

    title: str
    section: str
    url: str
    quote: str | None
    checked: str


@dataclass(frozen=True)
class ExtensionPolicy:
    """Who may move the reply deadline, how often and how far.

    Each extension is at most ``max_amount`` ``unit`` added to the current due date
    (see ``calendar.extend``), at most ``max_times`` times, and needs a written reason
    when ``reason_required``.
    """

    role: str
    unit: Unit
    max_amount: int
    max_times: int
    reason_required: bool = True


@dataclass(frozen=True)
class Preset:
    name: str
    #: Marked for translation; shown translated where an administrator chooses the preset.
    title: str
    acknowledgment: Rule
    reply: Rule
    extension: ExtensionPolicy | None
    escalation_role: str
    sources: tuple[Source, ...]
    notes: str = ""


FAM_URL = "https://fam.state.gov/fam/02fam/02fam0070.html"
FAM_TITLE = (
    "Foreign Affairs Manual, 2 FAM 070 Dissent Channel (CT:GEN-612; 12-05-2024; Office of Origin: S/P)"
)

FOREIGN_MINISTRY = Preset(
    name="foreign-ministry",
    title=gettext_noop(
        "Foreign ministry dissent channel (modelled on the US State Department's Dissent Channel)"
    ),
    acknowledgment=Rule(2, "working_days", "filing"),
    reply=Rule(30, "working_days", "filing"),
    extension=ExtensionPolicy(role="custodian", unit="working_days", max_amount=30, max_times=1),
    escalation_role="principal",
    sources=(
        Source(
            title=FAM_TITLE,
            section="2 FAM 071.1 Policy Statement, paragraph a",
            url=FAM_URL,
            quote=(
                "It is Department of State policy that all U.S. citizen employees, foreign and domestic, "
                "be able to express dissenting or alternative views on substantive issues of policy, in a "
                "manner which ensures serious, high-level review and response."
            ),
            checked="Quoted from the stored copy of the FAM page (CT:GEN-612, 12-05-2024).",
        ),
        Source(
            title=FAM_TITLE,
            section="2 FAM 070, handling of Dissent Channel messages by S/P (section number not verified)",
            url=FAM_URL,
            quote=None,
            checked=(
                "Corroborated, not read in the primary text. The figures (acknowledgment within 2 "
                "working days, substantive reply normally within 30 working days) match the AFSA "
                "summary of 2 FAM 070 quoted below, which gives 30-60 working days for the reply. "
                "The stored copy of the FAM page we could search exposed only 2 FAM 071.1-071.2, "
                "not the procedure sections, so the section number is not verified. Check them "
                "at the URL before relying on this preset."
            ),
        ),
        Source(
            title="American Foreign Service Association (AFSA), 'The Dissent Channel' (secondary source)",
            section="Summary of 2 FAM 070 for members",
            url="https://www.afsa.org/dissent-channel",
            quote=(
                "The S/P Director is responsible for acknowledging receipt of a Dissent Channel "
                "message within two working days, and for providing a substantive reply normally "
                "within 30-60 working days."
            ),
            checked=(
                "Quoted from the stored copy of AFSA's page (undated). Secondary, but it is the "
                "Foreign Service's own association summarising the FAM; it supports both figures "
                "and the outer limit that the default extension models."
            ),
        ),
        Source(
            title="The Foreign Service Journal, July-August 2011, p. 19 (secondary source)",
            section="Article on the Dissent Channel",
            url="https://afsa.org/sites/default/files/flipping_book/070811/19/",
            quote=(
                "The director of policy planning is required to provide a substantive response "
                "within 30 to 60 days."
            ),
            checked=(
                "Quoted from the stored copy. Secondary and older than CT:GEN-612; consistent with "
                "'normally within 30' and suggests a longer outer limit, which is why one extension "
                "of up to 30 working days is allowed by default."
            ),
        ),
    ),
    notes=(
        "Both deadlines count working days from filing, which stands for receipt by the Policy "
        "Planning Staff. Default extension (our choice, not the FAM's): a custodian may extend the "
        "reply once, by up to 30 working days, with a written reason, so the reply stays within "
        "60 working days of filing. An overdue acknowledgment or reply escalates to a principal."
    ),
)

DIRECTIVE_TITLE = (
    "Directive (EU) 2019/1937 of the European Parliament and of the Council of 23 October 2019 on the "
    "protection of persons who report breaches of Union law (OJ L 305, 26.11.2019, p. 17)"
)
DIRECTIVE_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32019L1937"
DIRECTIVE_CHECKED = (
    "Quoted from the official English text. The stored EUR-Lex copy we could search "
    "(consolidated version 02019L1937-20230502) did not show Article 9 in full, so the wording "
    "was corroborated against secondary sources that restate it (a seven-day acknowledgment under "
    "Art. 9(1)(b); feedback within three months of the acknowledgment or, without one, of the "
    "expiry of the seven-day period, under Art. 9(1)(f))."
)

ACKNOWLEDGMENT_WITHIN_SEVEN_DAYS = Rule(7, "calendar_days", "filing")

EU_WHISTLEBLOWING = Preset(
    name="eu-whistleblowing",
    title=gettext_noop("EU Whistleblowing Directive, internal reporting channel (Article 9)"),
    acknowledgment=ACKNOWLEDGMENT_WITHIN_SEVEN_DAYS,
    reply=Rule(3, "months", "acknowledgment", if_no_acknowledgment=ACKNOWLEDGMENT_WITHIN_SEVEN_DAYS),
    extension=None,
    escalation_role="principal",
    sources=(
        Source(
            title=DIRECTIVE_TITLE,
            section="Article 9(1)(b)",
            url=DIRECTIVE_URL,
            quote=(
                "acknowledgment of receipt of the report to the reporting person within seven days of "
                "that receipt;"
            ),
            checked=DIRECTIVE_CHECKED,
        ),
        Source(
            title=DIRECTIVE_TITLE,
            section="Article 9(1)(f)",
            url=DIRECTIVE_URL,
            quote=(
                "a reasonable timeframe to provide feedback, not exceeding three months from the "
                "acknowledgment of receipt or, if no acknowledgement was sent to the reporting person, "
                "three months from the expiry of the seven-day period after the report was made;"
            ),
            checked=DIRECTIVE_CHECKED,
        ),
    ),
    notes=(
        "Seven calendar days, the day of receipt excluded; three months to the same day of the "
        "month, clamped to the month's last day. No extension: Article 9(1)(f) sets a ceiling "
        "('not exceeding three months') for internal channels, so the preset offers none; the "
        "six-month allowance in duly justified cases belongs to external channels (Article 11) "
        "and is deliberately not modelled here. An overdue acknowledgment or feedback escalates "
        "to a principal."
    ),
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (FOREIGN_MINISTRY, EU_WHISTLEBLOWING)}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; a ValueError naming the valid ones otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        valid = ", ".join(sorted(PRESETS))
        raise ValueError(f"Unknown deadline preset {name!r}; valid presets are: {valid}") from None
