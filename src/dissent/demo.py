"""A demo organisation: units, about 30 people in every role, and memos in every state,
all made through the real actions so that the event record is complete."""

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from dissent import clock
from dissent.anonymous import actions as anonymous_actions
from dissent.anonymous import ring
from dissent.deadlines.channel import channel_policy
from dissent.markings.models import Caveat
from dissent.memos import actions, caveats, responses
from dissent.memos.models import Memo, MemoState, Visibility
from dissent.org.models import OrgUnit, Person, Role

UNITS = [
    # code, name, parent code
    ("mfa", "Ministry of Foreign Affairs", None),
    ("pol", "Bureau of Political Affairs", "mfa"),
    ("cons", "Bureau of Consular Affairs", "mfa"),
    ("sec", "Office of Regional Security", "pol"),
    ("hum", "Office of Humanitarian Affairs", "pol"),
    ("jkt", "Embassy in Jakarta", "cons"),
    ("nbo", "Embassy in Nairobi", "cons"),
    ("channel", "Dissent Channel Secretariat", "mfa"),
]

PEOPLE = [
    # username, first, last, role, unit, supervisor
    ("minister", "Ratna", "Wibisono", Role.PRINCIPAL, "mfa", None),
    ("deputy", "Thomas", "Okafor", Role.PRINCIPAL, "mfa", "minister"),
    ("polchief", "Helena", "Marsh", Role.PRINCIPAL, "pol", "deputy"),
    ("custodian", "Carol", "Nguyen", Role.CUSTODIAN, "channel", "deputy"),
    ("custodian2", "Yusuf", "Hakim", Role.CUSTODIAN, "channel", "custodian"),
    ("auditor", "Audrey", "Lindqvist", Role.AUDITOR, "channel", "deputy"),
    ("admin", "Adam", "Price", Role.ADMIN, "mfa", "deputy"),
    ("secdir", "Dave", "Morales", Role.MEMBER, "sec", "polchief"),
    ("humdir", "Siti", "Rahmawati", Role.MEMBER, "hum", "polchief"),
    ("jktamb", "Budi", "Santoso", Role.MEMBER, "jkt", "deputy"),
    ("nboamb", "Grace", "Wanjiru", Role.MEMBER, "nbo", "deputy"),
    ("alice", "Alice", "Hartono", Role.MEMBER, "sec", "secdir"),
    ("bob", "Bob", "Lindgren", Role.MEMBER, "sec", "secdir"),
    ("erin", "Erin", "Castillo", Role.MEMBER, "sec", "secdir"),
    ("farid", "Farid", "Maulana", Role.MEMBER, "sec", "secdir"),
    ("gita", "Gita", "Permata", Role.MEMBER, "hum", "humdir"),
    ("hugo", "Hugo", "Brandt", Role.MEMBER, "hum", "humdir"),
    ("intan", "Intan", "Sari", Role.MEMBER, "hum", "humdir"),
    ("james", "James", "Otieno", Role.MEMBER, "hum", "humdir"),
    ("kartika", "Kartika", "Dewi", Role.MEMBER, "jkt", "jktamb"),
    ("liam", "Liam", "O'Connor", Role.MEMBER, "jkt", "jktamb"),
    ("maya", "Maya", "Kusuma", Role.MEMBER, "jkt", "jktamb"),
    ("nadia", "Nadia", "Haddad", Role.MEMBER, "jkt", "jktamb"),
    ("oscar", "Oscar", "Mwangi", Role.MEMBER, "nbo", "nboamb"),
    ("putri", "Putri", "Anggraini", Role.MEMBER, "nbo", "nboamb"),
    ("quinn", "Quinn", "Adeyemi", Role.MEMBER, "nbo", "nboamb"),
    ("rudi", "Rudi", "Hidayat", Role.MEMBER, "nbo", "nboamb"),
    ("sara", "Sara", "Johansson", Role.MEMBER, "hum", "humdir"),
    ("tono", "Tono", "Prasetyo", Role.MEMBER, "sec", "secdir"),
    ("uma", "Uma", "Krishnan", Role.MEMBER, "nbo", "nboamb"),
]

REPLY = """Thank you for setting out your concerns about the {policy} so carefully.

The Policy Planning Staff has reviewed the memo with the bureaus concerned. We share several
of your concerns and will bring two of your recommendations to the next policy review; the
others we considered and, for the reasons below, do not adopt at this time.
"""

MEMOS = [
    # title, policy, drafters, signers (username, visibility), final state, marking
    (
        "Resume consular services for stranded nationals",
        "Suspension of consular services in conflict areas",
        ["kartika", "liam"],
        [("maya", "named"), ("nadia", "protected"), ("oscar", "named")],
        MemoState.CLOSED,
        "SBU",
    ),
    (
        "Condition arms transfers on humanitarian access",
        "Regional arms transfer policy",
        ["alice"],
        [("bob", "named"), ("erin", "protected"), ("farid", "named"), ("tono", "protected")],
        MemoState.REPLIED,
        "SBU",
    ),
    (
        "Open a channel to local civil society before the summit",
        "Summit engagement guidance",
        ["gita", "hugo"],
        [("intan", "named"), ("james", "named")],
        MemoState.ACKNOWLEDGED,
        "UNCLASSIFIED",
    ),
    (
        "Publish the criteria for evacuation flights",
        "Evacuation prioritisation",
        ["putri"],
        [("quinn", "named"), ("rudi", "protected"), ("uma", "named"), ("oscar", "protected")],
        MemoState.FILED,
        "SBU",
    ),
    (
        "Stop routing refugee funding through the interior ministry",
        "Refugee assistance funding",
        ["sara"],
        [("gita", "named"), ("james", "protected")],
        MemoState.OPEN,
        "SBU",
    ),
    (
        "Reconsider the public-statement guidance for staff",
        "Guidance on phrases to avoid in public",
        ["bob"],
        [],
        MemoState.DRAFT,
        "UNCLASSIFIED",
    ),
    (
        "Pause the visa bond pilot",
        "Visa bond pilot programme",
        ["liam"],
        [("maya", "named")],
        MemoState.WITHDRAWN,
        "UNCLASSIFIED",
    ),
]

BODY = """## The problem

The current policy ({policy}) is producing outcomes that contradict our stated aims.
Colleagues in the field report it daily, and our partners have noticed.

## What we recommend

1. Pause the policy for a review of its effects.
2. Consult the posts most affected before any renewal.
3. Report back to staff on the outcome.

## Why now

Every week of delay makes the damage harder to repair.
"""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    unit: str


@transaction.atomic
def seed() -> list[DemoAccount]:
    """Create the demo organisation. Returns each account with its generated password."""
    units: dict[str, OrgUnit] = {}
    for code, name, parent in UNITS:
        units[code] = OrgUnit.objects.create(code=code, name=name, parent=units[parent] if parent else None)
    political = Caveat.objects.create(
        code="pol-only",
        label="Political Affairs only",
        description="Not releasable outside the Bureau of Political Affairs and its offices.",
    )
    political.units.add(units["pol"])
    people: dict[str, Person] = {}
    accounts = []
    for username, first, last, role, unit, supervisor in PEOPLE:
        password = secrets.token_urlsafe(9)
        person = Person(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            unit=units[unit],
            supervisor=people[supervisor] if supervisor else None,
            email=f"{username}@mfa.example",
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        person.set_password(password)
        person.save()
        people[username] = person
        accounts.append(DemoAccount(username, password, role, units[unit].name))
    steps: list[Step] = []
    for title, policy_questioned, drafters, signers, state, marking in MEMOS + [
        (title, policy, drafters, signers, state, "SBU")
        for title, policy, drafters, signers, state in EXTRA_MEMOS
    ]:
        plan = TIMELINE.get(title, Timeline(0))
        steps += _memo_steps(people, title, policy_questioned, drafters, signers, state, marking, plan)
    steps += _history(people)
    for step in sorted(steps, key=lambda step: (step.at, step.order)):
        with clock.replaying(step.at):
            step.run()
    for username in KEY_HOLDERS:
        # Their secret halves would be in their own browsers; here they are thrown away.
        anonymous_actions.enrol_key(people[username], ring.public_key(ring.generate_secret()).hex())
    return accounts


#: Members with a key for anonymous signing already: a ring large enough (docs/anonymous-
#: signatures.md) for alice or bob to make a key on their key page and sign an open memo.
KEY_HOLDERS = ["erin", "farid", "gita", "hugo", "kartika", "oscar"]


@dataclass(frozen=True)
class Timeline:
    """When a demo memo's steps happened, in working days of the channel's calendar:
    filed `filed_ago` working days before today, acknowledged `ack_after` and replied
    `reply_after` working days after filing (None: not yet), the reply deadline extended
    by `extended` working days, closed `closed_after` working days after the reply."""

    filed_ago: int
    ack_after: int | None = None
    reply_after: int | None = None
    extended: int = 0
    closed_after: int = 3


#: The memos of MEMOS that are past drafting, placed in time so that the demo has a
#: deadline on time, one nearly due and one overdue (see docs/deadlines.md).
TIMELINE = {
    "Resume consular services for stranded nationals": Timeline(60, ack_after=1, reply_after=24),
    "Condition arms transfers on humanitarian access": Timeline(70, ack_after=3, reply_after=52, extended=25),
    "Open a channel to local civil society before the summit": Timeline(34, ack_after=1),  # reply overdue
    "Publish the criteria for evacuation flights": Timeline(1),  # acknowledgment due tomorrow
    "Review the staff rotation freeze": Timeline(0),  # just filed: on time
    "Share the humanitarian corridor assessments with partners": Timeline(12, ack_after=2),  # on time
}

EXTRA_MEMOS: list[tuple[str, str, list[str], list[tuple[str, str]], MemoState]] = [
    (
        "Review the staff rotation freeze",
        "Rotation freeze for conflict posts",
        ["farid"],
        [("tono", "named")],
        MemoState.FILED,
    ),
    (
        "Share the humanitarian corridor assessments with partners",
        "Information sharing with partners",
        ["intan"],
        [("sara", "named"), ("hugo", "protected")],
        MemoState.ACKNOWLEDGED,
    ),
]


@dataclass(frozen=True)
class Step:
    at: datetime
    order: int
    run: Callable[[], object]


_counter = iter(range(1_000_000))


def _at(days_ago: int, after: int, hour: int) -> datetime:
    """`after` working days after the working day `days_ago` working days before today,
    at `hour` o'clock in the channel's time zone."""
    channel = channel_policy()
    day = timezone.now().astimezone(channel.tz).date()
    found = 0
    while found < days_ago:
        day -= timedelta(days=1)
        if channel.calendar.is_working_day(day):
            found += 1
    day = channel.calendar.nth_working_day_after(day, after)
    return datetime.combine(day, time(hour), tzinfo=channel.tz)


def _memo_steps(
    people: dict[str, Person],
    title: str,
    policy_questioned: str,
    drafters: list[str],
    signers: list[tuple[str, str]],
    state: MemoState,
    marking: str,
    plan: Timeline,
) -> list[Step]:
    """The memo's life as steps at their moments; the first step creates the memo and
    brings it to filing (or to its final state, if it is never filed)."""
    holder: list[Memo] = []
    filed_at = _at(plan.filed_ago, 0, 10) if plan.filed_ago else timezone.now() - timedelta(minutes=20)
    if state in (MemoState.DRAFT, MemoState.OPEN, MemoState.WITHDRAWN):
        filed_at = timezone.now() - timedelta(hours=2)

    def create() -> None:
        holder.append(_make_memo(people, title, policy_questioned, drafters, signers, state, marking))

    steps = [Step(filed_at, next(_counter), create)]
    custodian, reviewer = people["custodian"], people["custodian2"]
    order = [MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED, MemoState.CLOSED]
    if state not in order:
        return steps
    reached = order.index(state)
    if reached >= 1 and plan.ack_after is not None:
        steps.append(
            Step(
                _at(plan.filed_ago, plan.ack_after, 11),
                next(_counter),
                lambda: responses.acknowledge_memo(holder[0], custodian),
            )
        )
    if plan.extended:
        steps.append(
            Step(
                _at(plan.filed_ago, 20, 9),
                next(_counter),
                lambda: actions.extend_reply_deadline(
                    holder[0],
                    custodian,
                    amount=plan.extended,
                    reason="The bureaus concerned asked for more time to respond.",
                ),
            )
        )
    if reached >= 2 and plan.reply_after is not None:

        def reply() -> None:
            responses.assign_reviewer(holder[0], custodian, reviewer=reviewer.username)
            text = REPLY.format(policy=policy_questioned.lower())
            responses.draft_reply(holder[0], reviewer, text=text, marking=marking)

        steps.append(Step(_at(plan.filed_ago, max(plan.reply_after - 3, 1), 12), next(_counter), reply))
        steps.append(
            Step(
                _at(plan.filed_ago, plan.reply_after, 15),
                next(_counter),
                lambda: responses.approve_reply(holder[0], custodian),
            )
        )
    if reached >= 3 and plan.reply_after is not None:
        steps.append(
            Step(
                _at(plan.filed_ago, plan.reply_after + plan.closed_after, 10),
                next(_counter),
                lambda: actions.close_memo(holder[0], custodian),
            )
        )
    return steps


#: Demo memos whose creator drafts under a protected name.
PROTECTED_DRAFTERS = {"Publish the criteria for evacuation flights"}

#: Demo memos with caveats on their marking: the arms memo stays inside Political Affairs.
CAVEATS = {"Condition arms transfers on humanitarian access": ["pol-only"]}

HISTORY_TOPICS = [
    "Visa processing backlog at regional posts",
    "Travel advisory levels for neighbouring states",
    "Locally employed staff security allowances",
    "Export licensing for surveillance technology",
    "Engagement with the transitional council",
    "Public diplomacy budget cuts",
    "Detention conditions raised with the host government",
    "Embassy drawdown criteria",
    "Sanctions exemptions for medical supplies",
    "Election observation mission participation",
    "Climate finance pledges in the region",
    "Press guidance on civilian casualties",
    "Consular access for dual nationals",
    "Development aid conditionality",
    "Refugee resettlement quotas",
    "Military training programme vetting",
]


def _history(people: dict[str, Person]) -> list[Step]:
    """Closed memos of the last ten months, answered sometimes on time and sometimes late,
    so that the statistics page has real figures to show. Deterministic: the same
    history every time the demo is seeded."""
    rng = random.Random(1937)  # noqa: S311 - a reproducible demo, not a secret
    members = [p.username for p in people.values() if p.role == Role.MEMBER]
    steps: list[Step] = []
    for i, topic in enumerate(HISTORY_TOPICS):
        drafter, *others = rng.sample(members, 1 + rng.randint(1, 5))
        signers = [(u, "protected" if rng.random() < 0.3 else "named") for u in others]
        reply_after = rng.choice([12, 18, 22, 26, 28, 29, 33, 41])
        plan = Timeline(
            filed_ago=75 + i * 9,
            ack_after=rng.choice([0, 1, 1, 1, 2, 2, 3, 5]),
            reply_after=reply_after,
            extended=15 if reply_after > 30 and rng.random() < 0.6 else 0,
        )
        title = f"Rethink the {topic[0].lower()}{topic[1:]}"
        steps += _memo_steps(people, title, topic, [drafter], signers, MemoState.CLOSED, "SBU", plan)
    return steps


def _make_memo(
    people: dict[str, Person],
    title: str,
    policy_questioned: str,
    drafters: list[str],
    signers: list[tuple[str, str]],
    state: MemoState,
    marking: str,
) -> Memo:
    lead = people[drafters[0]]
    addressee = "polchief" if "arms" in title else "minister"
    memo = actions.create_memo(
        lead,
        title=title,
        summary=f"We ask leadership to revisit the {policy_questioned.lower()}; our reasons follow.",
        body=BODY.format(policy=policy_questioned.lower()),
        policy_questioned=policy_questioned,
        addressee=addressee,
        marking=marking,
        protected_drafter=title in PROTECTED_DRAFTERS,
    )
    if title in CAVEATS:
        caveats.set_caveats(memo, lead, codes=CAVEATS[title])
    if drafters[1:]:
        actions.invite(memo, lead, usernames=drafters[1:], as_drafters=True)
    if state == MemoState.DRAFT:
        return memo
    if signers:
        actions.invite(memo, lead, usernames=[u for u, _ in signers])
    actions.open_memo(memo, lead)
    for username in drafters:
        hidden = title in PROTECTED_DRAFTERS and username == drafters[0]
        actions.sign_memo(
            memo, people[username], visibility=Visibility.PROTECTED if hidden else Visibility.NAMED
        )
    for username, visibility in signers:
        actions.sign_memo(memo, people[username], visibility=visibility)
    if state == MemoState.OPEN:
        return memo
    if state == MemoState.WITHDRAWN:
        return actions.withdraw_memo(memo, lead)
    actions.file_memo(memo, lead)
    return memo
