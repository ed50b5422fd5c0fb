"""The access policy: the only place that knows who may see or do what with a memo.

Two faces of the same rules:
- `visible_memos(person)` is a queryset filter, so lists never load what they then hide;
- `require(person, action, memo)` answers for one memo and raises the domain error.

Whoever may not see a memo gets NotFound (404), never NotAllowed, so that a memo's
existence does not leak. Whoever may see it but not do this gets NotAllowed (403); whoever
may do this, but not in the memo's current state, gets InvalidState (409).
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dissent import identities, rows
from dissent.errors import InvalidState, NotAllowed, NotFound
from dissent.markings.models import ExportRule, Marking
from dissent.org.models import Person, Role
from dissent.org.queries import unit_and_above

from .models import FILED_STATES, Drafter, Invitation, Memo, MemoState, Reader, Signature


class Action(StrEnum):
    VIEW = "view"
    READ_BODY = "read_body"
    EDIT = "edit"
    INVITE = "invite"
    OPEN_CALL = "open_call"
    OPEN = "open"
    SIGN = "sign"
    UNSIGN = "unsign"
    FILE = "file"
    ACKNOWLEDGE = "acknowledge"
    REPLY = "reply"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    ADD_ADDENDUM = "add_addendum"
    RECEIPT = "receipt"
    EXTEND = "extend"
    ASSIGN_REVIEWER = "assign_reviewer"
    DRAFT_REPLY = "draft_reply"
    SEE_REPLY_DRAFT = "see_reply_draft"
    PROPOSE_MEETING = "propose_meeting"
    MEETING_PREFERENCE = "meeting_preference"
    EXPORT = "export"
    ADD_READER = "add_reader"


class Standing(StrEnum):
    """What a person is to a memo: a relation to it, or a channel-wide role."""

    DRAFTER = "drafter"
    INVITEE = "invitee"
    SIGNER = "signer"
    ADDRESSEE = "addressee"
    REVIEWER = "reviewer"
    READER = "reader"
    #: In the unit (or below) that the drafters opened the memo to (memos/calls.py).
    COLLEAGUE = "colleague"
    CUSTODIAN = "custodian"
    AUDITOR = "auditor"


_FILED = frozenset(FILED_STATES)
_BEFORE_FILING = frozenset({MemoState.DRAFT, MemoState.OPEN})

#: Who sees a memo in each state.
VISIBLE_TO: dict[MemoState, frozenset[Standing]] = {
    MemoState.DRAFT: frozenset({Standing.DRAFTER}),
    MemoState.OPEN: frozenset({Standing.DRAFTER, Standing.INVITEE, Standing.SIGNER, Standing.COLLEAGUE}),
    MemoState.WITHDRAWN: frozenset({Standing.DRAFTER, Standing.INVITEE, Standing.SIGNER}),
    **{
        state: frozenset(
            {
                Standing.DRAFTER,
                Standing.SIGNER,
                Standing.ADDRESSEE,
                Standing.REVIEWER,
                Standing.READER,
                Standing.CUSTODIAN,
                Standing.AUDITOR,
            }
        )
        for state in _FILED
    },
}


@dataclass(frozen=True)
class Rule:
    who: frozenset[Standing]
    states: frozenset[MemoState]


#: Who may do what, and in which states. Seeing the memo is a precondition of all of it.
RULES: dict[Action, Rule] = {
    Action.EDIT: Rule(frozenset({Standing.DRAFTER}), frozenset({MemoState.DRAFT})),
    Action.INVITE: Rule(frozenset({Standing.DRAFTER}), _BEFORE_FILING),
    Action.OPEN_CALL: Rule(frozenset({Standing.DRAFTER}), _BEFORE_FILING),
    Action.OPEN: Rule(frozenset({Standing.DRAFTER}), frozenset({MemoState.DRAFT})),
    Action.SIGN: Rule(
        frozenset({Standing.DRAFTER, Standing.INVITEE, Standing.COLLEAGUE}), frozenset({MemoState.OPEN})
    ),
    Action.UNSIGN: Rule(frozenset({Standing.SIGNER}), frozenset({MemoState.OPEN})),
    Action.FILE: Rule(frozenset({Standing.DRAFTER}), _BEFORE_FILING),
    Action.ACKNOWLEDGE: Rule(frozenset({Standing.CUSTODIAN}), frozenset({MemoState.FILED})),
    # Approving the drafted reply sends it (memos/responses.py); someone other than its
    # author approves it unless the channel settings say otherwise.
    Action.REPLY: Rule(
        frozenset({Standing.CUSTODIAN, Standing.ADDRESSEE}), frozenset({MemoState.ACKNOWLEDGED})
    ),
    Action.CLOSE: Rule(frozenset({Standing.CUSTODIAN}), frozenset({MemoState.REPLIED})),
    Action.WITHDRAW: Rule(frozenset({Standing.DRAFTER}), _BEFORE_FILING),
    Action.ADD_ADDENDUM: Rule(
        frozenset({Standing.DRAFTER}), frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED})
    ),
    Action.RECEIPT: Rule(frozenset({Standing.DRAFTER, Standing.SIGNER}), _FILED),
    # Further narrowed by the channel settings (extension_by): custodians, or also the addressee.
    Action.EXTEND: Rule(
        frozenset({Standing.CUSTODIAN, Standing.ADDRESSEE}),
        frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED}),
    ),
    Action.ASSIGN_REVIEWER: Rule(
        frozenset({Standing.CUSTODIAN}), frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED})
    ),
    Action.DRAFT_REPLY: Rule(
        frozenset({Standing.CUSTODIAN, Standing.REVIEWER}),
        frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED}),
    ),
    Action.SEE_REPLY_DRAFT: Rule(
        frozenset({Standing.CUSTODIAN, Standing.REVIEWER, Standing.ADDRESSEE}),
        frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED}),
    ),
    Action.PROPOSE_MEETING: Rule(
        frozenset({Standing.ADDRESSEE}),
        frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED}),
    ),
    Action.MEETING_PREFERENCE: Rule(
        frozenset({Standing.SIGNER}),
        frozenset({MemoState.OPEN, MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED}),
    ),
    # Further narrowed by the memo's marking (EXPORT_BY below).
    Action.EXPORT: Rule(
        frozenset(
            {Standing.DRAFTER, Standing.SIGNER, Standing.ADDRESSEE, Standing.REVIEWER, Standing.CUSTODIAN}
        ),
        _FILED,
    ),
}

RULES[Action.ADD_READER] = Rule(frozenset({Standing.CUSTODIAN}), _FILED)

#: Who may export, by the marking's export rule (markings/models.py ExportRule).
EXPORT_BY: dict[str, frozenset[Standing]] = {
    ExportRule.READERS: RULES[Action.EXPORT].who,
    ExportRule.NOT_SIGNERS: RULES[Action.EXPORT].who - {Standing.SIGNER},
    ExportRule.CUSTODIANS: frozenset({Standing.CUSTODIAN}),
}

#: Actions whose refusal must not even reveal that there is something to refuse.
_HIDDEN_WHEN_REFUSED = frozenset({Action.RECEIPT})


_STATE_MESSAGES: dict[Action, Promise] = {
    Action.EDIT: gettext_lazy("Only a draft can be edited. After filing, add an addendum instead."),
    Action.INVITE: gettext_lazy("Invitations can only be sent before the memo is filed."),
    Action.OPEN: gettext_lazy("Only a draft can be opened for signatures."),
    Action.OPEN_CALL: gettext_lazy("Once a memo is filed, who may co-sign it no longer changes."),
    Action.SIGN: gettext_lazy("This memo is not open for signatures."),
    Action.UNSIGN: gettext_lazy("Signatures can only be withdrawn while the memo is open for signatures."),
    Action.FILE: gettext_lazy("This memo has already been filed or withdrawn."),
    Action.ACKNOWLEDGE: gettext_lazy("Only a newly filed memo can be acknowledged."),
    Action.REPLY: gettext_lazy("A memo must be acknowledged, and not yet answered, before a reply is sent."),
    Action.CLOSE: gettext_lazy("A memo must be replied to before it is closed."),
    Action.WITHDRAW: gettext_lazy("A filed memo cannot be withdrawn."),
    Action.ADD_ADDENDUM: gettext_lazy("Addenda can be added to a filed memo until it is closed."),
    Action.RECEIPT: gettext_lazy("A receipt exists once the memo has been filed."),
    Action.EXTEND: gettext_lazy("The reply deadline can only be extended until the memo is replied to."),
    Action.ASSIGN_REVIEWER: gettext_lazy("A reviewer can be assigned until the memo is replied to."),
    Action.DRAFT_REPLY: gettext_lazy("The reply can be drafted until it is sent."),
    Action.SEE_REPLY_DRAFT: gettext_lazy("There is no reply draft at this stage."),
    Action.PROPOSE_MEETING: gettext_lazy(
        "A meeting can be proposed once the memo is filed and until it is closed."
    ),
    Action.MEETING_PREFERENCE: gettext_lazy("This can be changed until the memo is closed."),
    Action.EXPORT: gettext_lazy("A memo can be exported once it is filed."),
    Action.ADD_READER: gettext_lazy("Readers can be added once the memo is filed."),
}


def _state_message(action: Action) -> str:
    return str(_STATE_MESSAGES[action])  # translated only when a refusal is said, not for every check


_WHO_MESSAGES: dict[Action, Promise] = {
    Action.EDIT: gettext_lazy("Only the memo's drafters can edit it."),
    Action.INVITE: gettext_lazy("Only the memo's drafters can invite colleagues."),
    Action.OPEN: gettext_lazy("Only the memo's drafters can open it for signatures."),
    Action.OPEN_CALL: gettext_lazy("Only the memo's drafters choose who may find and co-sign it."),
    Action.SIGN: gettext_lazy("Only invited colleagues and drafters can sign this memo."),
    Action.UNSIGN: gettext_lazy("You have not signed this memo."),
    Action.FILE: gettext_lazy("Only the memo's drafters can file it."),
    Action.ACKNOWLEDGE: gettext_lazy("Only the channel's custodians can acknowledge a memo."),
    Action.REPLY: gettext_lazy(
        "Only the channel's custodians and the memo's addressee can approve the reply."
    ),
    Action.CLOSE: gettext_lazy("Only the channel's custodians can close a memo."),
    Action.WITHDRAW: gettext_lazy("Only the memo's drafters can withdraw it."),
    Action.ADD_ADDENDUM: gettext_lazy("Only the memo's drafters can add an addendum."),
    Action.RECEIPT: gettext_lazy("No receipt for you here."),
    Action.EXTEND: gettext_lazy("Under this channel's rules you may not extend the reply deadline."),
    Action.ASSIGN_REVIEWER: gettext_lazy("Only the channel's custodians can assign a reviewer."),
    Action.DRAFT_REPLY: gettext_lazy(
        "Only the channel's custodians and the memo's reviewer can draft the reply."
    ),
    Action.SEE_REPLY_DRAFT: gettext_lazy(
        "The reply draft is for the custodians, the reviewer and the addressee."
    ),
    Action.PROPOSE_MEETING: gettext_lazy(
        "Only the memo's addressee can propose a meeting with its dissenters."
    ),
    Action.MEETING_PREFERENCE: gettext_lazy(
        "Only the memo's signers choose whether they are open to a meeting."
    ),
    Action.EXPORT: gettext_lazy(
        "Only the memo's drafters, signers, addressee, reviewer and custodians can export it."
    ),
    Action.ADD_READER: gettext_lazy("Only the channel's custodians can add readers."),
}


def _who_message(action: Action) -> str:
    return str(_WHO_MESSAGES[action])  # translated only when a refusal is said, not for every check


def sees_by_role(person: Person) -> bool:
    """Whether the person sees memos by role (whole states), not only through relations."""
    return bool(_role_standing(person))


def _role_standing(person: Person) -> set[Standing]:
    if person.has_role(Role.CUSTODIAN):
        return {Standing.CUSTODIAN}
    if person.has_role(Role.AUDITOR):
        return {Standing.AUDITOR}
    return set()


def standing(person: Person, memo: Memo) -> frozenset[Standing]:
    """Everything `person` is to `memo`. Uses the flags `with_standing()` annotated on the
    memo when present (no extra queries); otherwise asks the database."""
    if not person.is_authenticated or not person.is_active:
        return frozenset()
    flags = getattr(memo, "_standing_flags", None)
    if flags is None or flags[0] != person.pk:
        annotated = with_standing(Memo.objects.filter(pk=memo.pk), person).values_list(  # type: ignore[misc]
            "is_drafter", "is_invitee", "is_signer", "is_reader"
        )
        row = annotated.first() or (False, False, False, False)
        flags = (person.pk, *row)
        memo._standing_flags = flags  # type: ignore[attr-defined]
    _, is_drafter, is_invitee, is_signer, is_reader = flags
    result = _role_standing(person)
    if is_drafter:
        result.add(Standing.DRAFTER)
    if is_invitee:
        result.add(Standing.INVITEE)
    if is_signer:
        result.add(Standing.SIGNER)
    if is_reader:
        result.add(Standing.READER)
    if memo.addressee_id == person.pk:
        result.add(Standing.ADDRESSEE)
    if memo.reviewer_id is not None and memo.reviewer_id == person.pk:
        result.add(Standing.REVIEWER)
    if memo.call_unit_id is not None and memo.call_unit_id in units_above(person):
        result.add(Standing.COLLEAGUE)
    return frozenset(result)


def units_above(person: Person) -> frozenset[int]:
    """The person's unit and every unit above it (remembered on the person object)."""
    if person.unit_id is None:
        return frozenset()
    cached: frozenset[int] | None = getattr(person, "_units_above", None)
    if cached is None:
        cached = frozenset(unit_and_above(person.unit_id))
        person._units_above = cached  # type: ignore[attr-defined]
    return cached


def with_standing(memos: QuerySet[Memo], person: Person) -> QuerySet[Memo]:
    """Annotate each memo with whether `person` drafted, was invited to, or signed it."""
    return memos.annotate(
        is_drafter=Exists(
            Drafter.objects.filter(memo=OuterRef("pk")).filter(
                Q(person=person) | Q(person_tag=identities.signer_tag(person.pk))
            )
        ),
        is_invitee=Exists(Invitation.objects.filter(memo=OuterRef("pk"), person=person)),
        is_reader=Exists(Reader.objects.filter(memo=OuterRef("pk"), person=person)),
        is_signer=Exists(
            Signature.objects.filter(memo=OuterRef("pk")).filter(
                Q(person=person) | Q(signer_tag=identities.signer_tag(person.pk))
            )
        ),
    )


def remember_standing(memo: Memo, person: Person) -> Memo:
    """Keep the annotated flags on the instance so that `standing()` needs no query."""
    memo._standing_flags = (  # type: ignore[attr-defined]
        person.pk,
        memo.is_drafter,  # type: ignore[attr-defined]
        memo.is_invitee,  # type: ignore[attr-defined]
        memo.is_signer,  # type: ignore[attr-defined]
        memo.is_reader,  # type: ignore[attr-defined]
    )
    return memo


def visible_memos(person: Person, memos: QuerySet[Memo] | None = None) -> QuerySet[Memo]:
    """The memos `person` may see, as a filter applied inside the SQL."""
    memos = Memo.objects.all() if memos is None else memos
    if not person.is_authenticated or not person.is_active:
        return memos.none()
    memos = with_standing(memos, person)
    by_role = role_states(person)
    condition = Q(state__in=by_role) if by_role else Q(pk__in=[])
    return memos.filter(condition | _relation_condition(person, by_role))


def role_states(person: Person) -> list[str]:
    """The states in which `person` sees every memo, by role (custodians and auditors)."""
    if not person.is_authenticated or not person.is_active:
        return []
    roles = _role_standing(person)
    return [state for state, who in VISIBLE_TO.items() if roles & who]


def visible_by_relation(person: Person, states: Collection[str] | None = None) -> list[int]:
    """The ids of the memos `person` sees through a relation to them, in the states their
    role does not already show (and, given `states`, only in those): with role_states(),
    exactly visible_memos(), in two parts, so that a search can test the states on its own
    index and look up the (few) related memos. One query of one SELECT per relation, each
    starting from the relation's own index (as one OR-ed condition, the database started
    from the memos in the states and tested each: 30-50 ms at 100,000 memos)."""
    if not person.is_authenticated or not person.is_active:
        return []
    parts = [
        Memo.objects.filter(condition).order_by().values_list("pk", flat=True)
        for condition in _relation_terms(person, role_states(person), states)
    ]
    if not parts:
        return []
    return sorted(set(parts[0].union(*parts[1:]).order_by()))


def _relation_condition(person: Person, by_role: list[str]) -> Q:
    condition = Q(pk__in=[])
    for term in _relation_terms(person, by_role):
        condition |= term
    return condition


def _relation_terms(person: Person, by_role: list[str], only: Collection[str] | None = None) -> list[Q]:
    """One condition per way of seeing a memo through a relation ("its addressee, and it is
    filed"; ...), each of which an index answers. The relations are looked up from their own
    (indexed) tables rather than through the annotated flags: "id IN (memos this person
    drafted)" lets the database start from the person's few rows instead of testing every
    memo."""
    tag = identities.signer_tag(person.pk)
    by_standing = {
        Standing.DRAFTER: Q(
            pk__in=Drafter.objects.filter(Q(person=person) | Q(person_tag=tag)).values("memo")
        ),
        Standing.INVITEE: Q(pk__in=Invitation.objects.filter(person=person).values("memo")),
        Standing.SIGNER: Q(
            pk__in=Signature.objects.filter(Q(person=person) | Q(signer_tag=tag)).values("memo")
        ),
        Standing.ADDRESSEE: Q(addressee=person),
        Standing.REVIEWER: Q(reviewer=person),
        Standing.READER: Q(pk__in=Reader.objects.filter(person=person).values("memo")),
        Standing.COLLEAGUE: Q(call_unit__in=sorted(units_above(person))),
    }
    terms = []
    for each, related in by_standing.items():
        states = [
            state
            for state, who in VISIBLE_TO.items()
            if each in who and state not in by_role and (only is None or state in only)
        ]
        if states:
            terms.append(related & Q(state__in=states))
    return terms


def can_see(person: Person, memo: Memo) -> bool:
    return bool(standing(person, memo) & VISIBLE_TO[MemoState(memo.state)])


def can(person: Person, action: Action, memo: Memo) -> bool:
    try:
        require(person, action, memo)
    except (NotFound, NotAllowed, InvalidState):
        return False
    return True


def require(person: Person, action: Action, memo: Memo) -> None:
    """Raise the domain error that explains why `person` may not do `action` now."""
    mine = standing(person, memo)
    if not mine & VISIBLE_TO[MemoState(memo.state)]:
        raise NotFound(_("No such memo."))
    if action == Action.VIEW:
        return
    if action == Action.READ_BODY:
        # Auditors see that a memo exists and its counts, never its body, unless they
        # stand in some other relation to it (they drafted or signed it themselves).
        if mine - {Standing.AUDITOR}:
            return
        raise NotAllowed(_("Auditors see a memo's record and counts, not its text."))
    rule = RULES[action]
    who = rule.who & EXTEND_BY[extension_by()] if action == Action.EXTEND else rule.who
    if not mine & who:
        if action in _HIDDEN_WHEN_REFUSED:
            raise NotFound(_("No such receipt."))
        raise NotAllowed(_who_message(action))
    if memo.state not in rule.states:
        raise InvalidState(_state_message(action))
    if action == Action.EXPORT and not mine & EXPORT_BY[memo.marking.export_rule]:
        raise NotAllowed(_export_message(memo))


#: Who may extend the reply deadline, by the channel settings' `extension_by`.
EXTEND_BY: dict[str, frozenset[Standing]] = {
    "custodian": frozenset({Standing.CUSTODIAN}),
    "custodian_or_addressee": frozenset({Standing.CUSTODIAN, Standing.ADDRESSEE}),
}


def extension_by() -> str:
    """Who extends deadlines in this channel (deadlines/models.py ChannelSettings). Cached
    for a few seconds per process, because lists ask the policy about every memo they show;
    saving the settings clears it in the saving process."""
    from dissent.deadlines.models import EXTENSION_BY_CACHE_KEY, ChannelSettings

    def read() -> str:
        value = ChannelSettings.objects.filter(pk=1).values_list("extension_by", flat=True).first()
        return value or "custodian"

    return str(cache.get_or_set(EXTENSION_BY_CACHE_KEY, read, timeout=5))


def may_export_under(person: Person, memo: Memo, marking: Marking) -> bool:
    """Whether the export rule of `marking` (not the memo's own) lets `person` take a part
    of the memo away: a reply may carry a higher marking than the memo, and a copy must not
    carry a part further than that part's own rule allows (exports/snapshot.py)."""
    return bool(standing(person, memo) & EXPORT_BY[marking.export_rule])


def _export_message(memo: Memo) -> str:
    if memo.marking.export_rule == ExportRule.CUSTODIANS:
        return _("This memo is marked %(marking)s: only the channel's custodians may export it.") % {
            "marking": memo.marking.label
        }
    return _("This memo is marked %(marking)s: its co-signers may read it here but not export it.") % {
        "marking": memo.marking.label
    }


def get_memo(person: Person, memo_id: int, *, action: Action = Action.VIEW) -> Memo:
    """Fetch a memo for `person`: one query, and the same NotFound whether the memo does
    not exist or is hidden from them. Views and API routes fetch memos only through this."""
    memo = _memo_with_standing(person, memo_id)
    if memo is None:
        raise NotFound(_("No such memo."))
    require(person, action, memo)
    return memo


#: The largest id a memo can have (a 64-bit key); a larger one names no memo.
_MAX_ID = 2**63 - 1


def _memo_with_standing(person: Person, memo_id: int) -> Memo | None:
    """The memo with its marking and addressee, and the person's standing flags, in one
    statement of plain SQL (dissent/rows.py): every page and route about a memo starts here,
    and the same query through the ORM cost ~2-3 ms of CPU to build and compile each time."""
    if not 0 < memo_id <= _MAX_ID:
        return None
    tag = identities.signer_tag(person.pk)
    flags = (
        f"EXISTS (SELECT 1 FROM {Drafter._meta.db_table} d WHERE d.memo_id = t.id"  # noqa: S608 - our tables
        " AND (d.person_id = %s OR d.person_tag = %s))",
        f"EXISTS (SELECT 1 FROM {Invitation._meta.db_table} i WHERE i.memo_id = t.id AND i.person_id = %s)",  # noqa: S608
        f"EXISTS (SELECT 1 FROM {Reader._meta.db_table} r WHERE r.memo_id = t.id AND r.person_id = %s)",  # noqa: S608
        f"EXISTS (SELECT 1 FROM {Signature._meta.db_table} s WHERE s.memo_id = t.id"  # noqa: S608
        " AND (s.person_id = %s OR s.signer_tag = %s))",
    )
    params = [person.pk, tag, person.pk, person.pk, person.pk, tag, memo_id]
    found = rows.first_joined(Memo, "t.id = %s", params, related=("marking", "addressee"), extras=flags)
    if found is None:
        return None
    memo, (is_drafter, is_invitee, is_reader, is_signer) = found
    memo._standing_flags = (  # type: ignore[attr-defined]
        person.pk,
        bool(is_drafter),
        bool(is_invitee),
        bool(is_signer),
        bool(is_reader),
    )
    return memo


def can_see_protected_name(viewer: Person, signer_id: int, subordinates: set[int]) -> bool:
    """Protected names are for custodians only, and never for the signer's own chain of
    command (`subordinates` is `viewer.subordinate_ids()`)."""
    if viewer.pk == signer_id:
        return True
    return viewer.has_role(Role.CUSTODIAN) and signer_id not in subordinates
