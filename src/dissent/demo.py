"""A demo organisation: units, about 30 people in every role, and memos in every state,
all made through the real actions so that the event record is complete."""

import secrets
from dataclasses import dataclass

from django.db import transaction

from dissent.memos import actions, responses
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
    for title, policy_questioned, drafters, signers, state, marking in MEMOS:
        _make_memo(people, title, policy_questioned, drafters, signers, state, marking)
    return accounts


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
    )
    if drafters[1:]:
        actions.invite(memo, lead, usernames=drafters[1:], as_drafters=True)
    if state == MemoState.DRAFT:
        return memo
    if signers:
        actions.invite(memo, lead, usernames=[u for u, _ in signers])
    actions.open_memo(memo, lead)
    for username in drafters:
        actions.sign_memo(memo, people[username], visibility=Visibility.NAMED)
    for username, visibility in signers:
        actions.sign_memo(memo, people[username], visibility=visibility)
    if state == MemoState.OPEN:
        return memo
    if state == MemoState.WITHDRAWN:
        return actions.withdraw_memo(memo, lead)
    actions.file_memo(memo, lead)
    custodian, reviewer = people["custodian"], people["custodian2"]
    order = [MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED, MemoState.CLOSED]
    if order.index(state) >= order.index(MemoState.ACKNOWLEDGED):
        responses.acknowledge_memo(memo, custodian)
    if order.index(state) >= order.index(MemoState.REPLIED):
        responses.assign_reviewer(memo, custodian, reviewer=reviewer.username)
        responses.draft_reply(
            memo, reviewer, text=REPLY.format(policy=policy_questioned.lower()), marking=marking
        )
        responses.approve_reply(memo, custodian)
    if state == MemoState.CLOSED:
        actions.close_memo(memo, custodian)
    return memo
