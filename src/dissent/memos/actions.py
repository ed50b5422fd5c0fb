"""Every change to a memo, one function each. Each asks the policy, validates, changes the
models and records the event inside one transaction, and raises a domain error (see
dissent/errors.py) that the web pages and the API turn into a message and a status."""

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dissent import clock, identities, rows
from dissent.anonymous.models import AnonymousSignature, MemoRing
from dissent.deadlines.calendar import extend as extend_due
from dissent.deadlines.channel import channel_policy
from dissent.errors import AlreadyDone, InvalidInput, InvalidState, NotAllowed, NotFound
from dissent.events.models import EventKind, timestamp
from dissent.events.recording import record_event
from dissent.markings.models import Marking
from dissent.org.models import Person, Role

from . import caveats, notices, policy
from .content import content_sha256, markdown_problem
from .models import Addendum, Drafter, Extension, Invitation, Memo, MemoState, Reader, Signature, Visibility
from .policy import Action
from .unicode_checks import TitleRefused, check_title

#: Field limits, in characters. The body's limit is a setting (MEMO_BODY_MAX_CHARS).
TITLE_MAX = 200
SUMMARY_MAX = 2000
POLICY_MAX = 300
MAX_INVITATIONS_PER_REQUEST = 200


def is_storable(value: str) -> bool:
    """False for text holding half of a UTF-16 surrogate pair, which JSON can carry
    ("\\ud800") but no database can store (the driver fails with a server error)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(label: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": label})
    if "\x00" in value:
        raise InvalidInput(_("%(field)s contains a NUL character, which is not allowed.") % {"field": label})
    if not is_storable(value):
        raise InvalidInput(
            _("%(field)s contains an invalid character (half of a UTF-16 pair).") % {"field": label}
        )
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is too long: %(length)d characters, at most %(limit)d.")
            % {"field": label, "length": len(value), "limit": limit}
        )
    return value


def clean_markdown(label: str, value: str, limit: int) -> str:
    """`clean_text` for text shown as Markdown, which must also render in reasonable time."""
    value = clean_text(label, value, limit)
    problem = markdown_problem(label, value)
    if problem:
        raise InvalidInput(problem)
    return value


def _clean_title(title: str) -> str:
    value = clean_text(_("Title"), title, TITLE_MAX)
    try:
        check_title(value)
    except TitleRefused as refused:
        raise InvalidInput(str(refused)) from None
    return value


def _clean_content(
    *, title: str, summary: str, body: str, policy_questioned: str, addressee: str, marking: str
) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": _clean_title(title),
        "summary": clean_text(_("Summary"), summary, SUMMARY_MAX),
        "body": clean_markdown(_("Body"), body, settings.MEMO_BODY_MAX_CHARS),
        "policy": clean_text(_("Policy"), policy_questioned, POLICY_MAX),
    }
    principal = Person.objects.filter(username=addressee, role=Role.PRINCIPAL, is_active=True).first()
    if principal is None:
        raise InvalidInput(_("The addressee must be one of the channel's principals."))
    chosen_marking = Marking.objects.filter(code=marking, active=True).first()
    if chosen_marking is None:
        raise InvalidInput(_("Choose a handling marking from the organisation's scheme."))
    fields["addressee"] = principal
    fields["marking"] = chosen_marking
    return fields


def locked(memo: Memo, person: Person) -> Memo:
    """Re-read the memo under a row lock, with the caller's standing, so that two actions
    on one memo (filing and withdrawing a signature, say) happen one after the other."""
    locked = (
        policy.with_standing(Memo.objects.select_for_update(of=("self",)), person).filter(pk=memo.pk).first()
    )
    if locked is None:
        raise NotFound(_("No such memo."))
    return policy.remember_standing(locked, person)


def _for_signing(person: Person, memo_id: int) -> tuple[Memo, int | None]:
    """The memo's state and the person's standing in one query, read under a lock that
    many signers hold at once but that a filing or withdrawal (FOR UPDATE) waits for.

    Django's foreign keys on PostgreSQL are checked only at commit, so the signature's own
    reference to the memo does not take this lock early enough; we take it explicitly.
    SQLite runs one write transaction at a time (IMMEDIATE), so no lock clause is needed.
    Signing is the hot path of a crisis, so this is plain SQL rather than the ORM query
    `policy.get_memo` builds (which costs several milliseconds of CPU to compile).
    """
    lock = " FOR KEY SHARE OF m" if connection.vendor == "postgresql" else ""
    next_id = rows.next_id_sql(Signature) or "NULL"
    tag = identities.signer_tag(person.pk)
    invitee = (
        f"EXISTS (SELECT 1 FROM {Invitation._meta.db_table} r "  # noqa: S608 - table names are ours
        "WHERE r.memo_id = m.id AND r.person_id = %s)"
    )
    drafter = (
        f"EXISTS (SELECT 1 FROM {Drafter._meta.db_table} r "  # noqa: S608 - table names are ours
        "WHERE r.memo_id = m.id AND (r.person_id = %s OR r.person_tag = %s))"
    )
    signer = (
        f"EXISTS (SELECT 1 FROM {Signature._meta.db_table} r "  # noqa: S608 - table names are ours
        "WHERE r.memo_id = m.id AND (r.person_id = %s OR r.signer_tag = %s))"
    )
    with rows.cursor() as cursor:
        cursor.execute(
            f"SELECT m.state, m.addressee_id, m.call_unit_id, {drafter}, {invitee}, {signer}, {next_id} "  # noqa: S608 - table names are ours
            f"FROM {Memo._meta.db_table} m WHERE m.id = %s{lock}",
            [person.pk, tag, person.pk, person.pk, tag, memo_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("No such memo."))
    state, addressee_id, call_unit_id, is_drafter, is_invitee, is_signer, signature_id = row
    memo = Memo(pk=memo_id, state=state, addressee_id=addressee_id, call_unit_id=call_unit_id)
    memo._standing_flags = (person.pk, bool(is_drafter), bool(is_invitee), bool(is_signer), False)  # type: ignore[attr-defined]
    return memo, signature_id


@transaction.atomic
def create_memo(
    person: Person,
    *,
    title: str,
    summary: str,
    body: str,
    policy_questioned: str,
    addressee: str,
    marking: str,
    protected_drafter: bool = False,
) -> Memo:
    """Start a draft; its creator is its first drafter, under a protected name if they
    ask: then neither the memo, the drafter row nor the creation event names them."""
    if not person.is_active or person.role == Role.AUDITOR:
        raise NotAllowed(_("Your role does not draft memos."))
    fields = _clean_content(
        title=title,
        summary=summary,
        body=body,
        policy_questioned=policy_questioned,
        addressee=addressee,
        marking=marking,
    )
    if protected_drafter:
        memo = Memo.objects.create(created_by=None, **fields)
        Drafter.objects.create(
            memo=memo, person_sealed=identities.seal(person.pk), person_tag=identities.signer_tag(person.pk)
        )
    else:
        memo = Memo.objects.create(created_by=person, **fields)
        Drafter.objects.create(memo=memo, person=person)
    actor = None if protected_drafter else person
    record_event(actor, EventKind.MEMO_CREATED, memo, {"memo": memo.pk, "title": memo.title})
    return memo


@transaction.atomic
def edit_memo(
    memo: Memo,
    person: Person,
    *,
    title: str,
    summary: str,
    body: str,
    policy_questioned: str,
    addressee: str,
    marking: str,
) -> Memo:
    memo = locked(memo, person)
    policy.require(person, Action.EDIT, memo)
    fields = _clean_content(
        title=title,
        summary=summary,
        body=body,
        policy_questioned=policy_questioned,
        addressee=addressee,
        marking=marking,
    )
    for name, value in fields.items():
        setattr(memo, name, value)
    memo.save()
    record_event(person, EventKind.MEMO_EDITED, memo, {"memo": memo.pk, "title": memo.title})
    return memo


@transaction.atomic
def invite(
    memo: Memo, person: Person, *, usernames: Iterable[str], as_drafters: bool = False
) -> list[Person]:
    """Invite colleagues to co-sign (or to co-draft). Returns who was newly invited;
    people already invited are left as they are. Unknown names change nothing."""
    memo = locked(memo, person)
    policy.require(person, Action.INVITE, memo)
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u and u.strip()))
    if not wanted:
        raise InvalidInput(_("Name at least one colleague to invite."))
    if len(wanted) > MAX_INVITATIONS_PER_REQUEST:
        raise InvalidInput(
            _("At most %(limit)d people can be invited at once.") % {"limit": MAX_INVITATIONS_PER_REQUEST}
        )
    people = {p.username: p for p in Person.objects.filter(username__in=wanted, is_active=True)}
    unknown = [u for u in wanted if u not in people]
    if unknown:
        raise InvalidInput(
            _("No active colleague with these user names: %(names)s.") % {"names": ", ".join(unknown)}
        )
    model = Drafter if as_drafters else Invitation
    existing = set(
        model.objects.filter(memo=memo, person__in=people.values()).values_list("person_id", flat=True)
    )
    # A drafter under a protected name is never invited again under their own.
    sealed_drafters = set(
        Drafter.objects.filter(memo=memo).exclude(person_tag="").values_list("person_tag", flat=True)
    )
    existing |= {p.pk for p in people.values() if identities.signer_tag(p.pk) in sealed_drafters}
    added = [p for p in people.values() if p.pk not in existing]
    caveats.require_within(memo, added)
    for invitee in added:
        if as_drafters:
            Drafter.objects.create(memo=memo, person=invitee)
            record_event(
                person, EventKind.MEMO_DRAFTER_ADDED, memo, {"memo": memo.pk, "drafter": invitee.username}
            )
        else:
            Invitation.objects.create(memo=memo, person=invitee, invited_by=person)
            record_event(person, EventKind.MEMO_INVITED, memo, {"memo": memo.pk, "invitee": invitee.username})
    return added


def _transition(memo: Memo, person: Person, action: Action, to: MemoState, kind: EventKind) -> Memo:
    memo = locked(memo, person)
    policy.require(person, action, memo)
    before = memo.state
    memo.state = to
    memo.save(update_fields=["state", "updated_at"])
    record_event(person, kind, memo, {"memo": memo.pk, "from": before, "to": to})
    return memo


@transaction.atomic
def open_memo(memo: Memo, person: Person) -> Memo:
    return _transition(memo, person, Action.OPEN, MemoState.OPEN, EventKind.MEMO_OPENED)


def sign_memo(memo: Memo | int, person: Person, *, visibility: Visibility | str) -> Signature:
    """Co-sign. `memo` may be just its id: the action reads what it needs itself, and a
    memo the person may not see is NotFound as everywhere else."""
    if visibility not in Visibility.values:
        raise InvalidInput(_("Choose whether your name is named or protected."))
    try:
        return _sign(memo if isinstance(memo, int) else memo.pk, person, visibility)
    except IntegrityError:
        # Two requests from one person at the same moment: the database's uniqueness
        # constraint refused the second, and its whole transaction was rolled back.
        raise AlreadyDone(_("You have already signed this memo.")) from None


@transaction.atomic
def _sign(memo_id: int, person: Person, visibility: str) -> Signature:
    memo, drawn_id = _for_signing(person, memo_id)
    policy.require(person, Action.SIGN, memo)
    if policy.Standing.SIGNER in policy.standing(person, memo):
        raise AlreadyDone(_("You have already signed this memo."))
    if visibility == Visibility.PROTECTED:
        signature = Signature(
            pk=drawn_id,
            memo=memo,
            signer_sealed=identities.seal(person.pk),
            signer_tag=identities.signer_tag(person.pk),
            visibility=visibility,
        )
    else:
        signature = Signature(pk=drawn_id, memo=memo, person=person, visibility=visibility)
    # The hot path of a crisis: plain SQL (dissent/rows.py). On PostgreSQL the signature's
    # id was drawn with the standing check, and the signature, its event and the event's
    # log queue row are one statement; elsewhere the database assigns the id first.
    if drawn_id is None:
        rows.insert(signature)
    record_event(
        actor_unless_protected(person, visibility),
        EventKind.MEMO_SIGNED,
        memo,
        {"memo": memo.pk, "signature": signature.pk, "visibility": visibility},
        along=[signature] if drawn_id is not None else [],
    )
    return signature


def actor_unless_protected(person: Person, visibility: str) -> Person | None:
    """The event's actor: nobody, for an act by a protected signer as such, so that the
    event record (and the log) does not name them either."""
    return None if visibility == Visibility.PROTECTED else person


def signature_of(memo: Memo, person: Person) -> Signature | None:
    """The person's signature on the memo, named or protected."""
    return (
        Signature.objects.filter(memo=memo)
        .filter(Q(person=person) | Q(signer_tag=identities.signer_tag(person.pk)))
        .first()
    )


@transaction.atomic
def withdraw_signature(memo: Memo, person: Person) -> None:
    memo = locked(memo, person)
    policy.require(person, Action.UNSIGN, memo)
    signature = signature_of(memo, person)
    assert signature is not None  # the policy found the person among the signers
    signature_id = signature.pk
    signature.delete()
    record_event(
        actor_unless_protected(person, signature.visibility),
        EventKind.MEMO_SIGNATURE_WITHDRAWN,
        memo,
        {"memo": memo.pk, "signature": signature_id},
    )


@transaction.atomic
def file_memo(memo: Memo, person: Person) -> Memo:
    """File the memo with the channel: its content is frozen and hashed, and the filing
    event records the hash and the exact signatures at that moment: the named and protected
    ones by id, the anonymous ones by linking tag, and their total."""
    memo = locked(memo, person)
    policy.require(person, Action.FILE, memo)
    before = memo.state
    signature_ids = list(Signature.objects.filter(memo=memo).order_by("pk").values_list("pk", flat=True))
    # The memo row is locked: an anonymous signature stored now waits, then finds it filed.
    anonymous_tags = list(
        AnonymousSignature.objects.filter(memo=memo).order_by("pk").values_list("tag", flat=True)
    )
    count = len(signature_ids) + len(anonymous_tags)
    both_ways = MemoRing.objects.filter(memo=memo, count_both_ways=True).exists()
    memo.state = MemoState.FILED
    memo.filed_at = clock.now()
    memo.content_sha256 = content_sha256(memo)
    memo.ack_due, memo.reply_due = channel_policy().due_dates(memo.filed_at)
    memo.save(update_fields=["state", "filed_at", "content_sha256", "ack_due", "reply_due", "updated_at"])
    record_event(
        person,
        EventKind.MEMO_FILED,
        memo,
        {
            "memo": memo.pk,
            "from": before,
            "content_sha256": memo.content_sha256,
            "signature_count": count,
            "signatures": signature_ids,
            "anonymous_signatures": anonymous_tags,
            # Whether one member may be in both lists: the drafters' choice (anonymous signing).
            "count_both_ways": both_ways,
            "ack_due": timestamp(memo.ack_due),
            "reply_due": timestamp(memo.reply_due),
        },
    )
    notices.notify_filed(memo, count)
    return memo


@transaction.atomic
def close_memo(memo: Memo, person: Person) -> Memo:
    return _transition(memo, person, Action.CLOSE, MemoState.CLOSED, EventKind.MEMO_CLOSED)


@transaction.atomic
def withdraw_memo(memo: Memo, person: Person) -> Memo:
    return _transition(memo, person, Action.WITHDRAW, MemoState.WITHDRAWN, EventKind.MEMO_WITHDRAWN)


REASON_MAX = 2000


@transaction.atomic
def extend_reply_deadline(memo: Memo, person: Person, *, amount: int, reason: str) -> Extension:
    """Move the reply deadline later, within the channel preset's extension rules; the
    reason is recorded and shown to everyone who sees the memo."""
    memo = locked(memo, person)
    policy.require(person, Action.EXTEND, memo)
    channel = channel_policy()
    rules = channel.preset.extension
    if rules is None or memo.reply_due is None:
        raise InvalidState(_("This channel's rules allow no extension of the reply deadline."))
    if not 1 <= amount <= rules.max_amount:
        raise InvalidInput(_("An extension must be between 1 and %(max)d.") % {"max": rules.max_amount})
    text = clean_text(_("Reason"), reason, REASON_MAX)
    if memo.extensions.count() >= rules.max_times:
        raise InvalidState(
            ngettext(
                "The reply deadline has already been extended the %(times)d time the rules allow.",
                "The reply deadline has already been extended the %(times)d times the rules allow.",
                rules.max_times,
            )
            % {"times": rules.max_times}
        )
    before = memo.reply_due
    memo.reply_due = extend_due(before, rules.unit, amount, channel.calendar, channel.tz)
    memo.save(update_fields=["reply_due", "updated_at"])
    extension = Extension.objects.create(
        memo=memo,
        requested_by=person,
        amount=amount,
        unit=rules.unit,
        reason=text,
        due_before=before,
        due_after=memo.reply_due,
    )
    record_event(
        person,
        EventKind.MEMO_REPLY_EXTENDED,
        memo,
        {
            "memo": memo.pk,
            "extension": extension.pk,
            "amount": amount,
            "unit": rules.unit,
            "reason": text,
            "reply_due_before": timestamp(before),
            "reply_due": timestamp(memo.reply_due),
        },
    )
    notices.extension_notice(memo, before=before, reason=text)
    return extension


@transaction.atomic
def add_addendum(memo: Memo, person: Person, *, body: str) -> Addendum:
    """The only way to correct a filed memo: the filed text stays as it was."""
    memo = locked(memo, person)
    policy.require(person, Action.ADD_ADDENDUM, memo)
    text = clean_markdown(_("Addendum"), body, settings.MEMO_BODY_MAX_CHARS)
    addendum = Addendum.objects.create(memo=memo, author=person, body=text)
    record_event(person, EventKind.MEMO_ADDENDUM_ADDED, memo, {"memo": memo.pk, "addendum": addendum.pk})
    return addendum


@transaction.atomic
def add_reader(memo: Memo, person: Person, *, username: str, reason: str) -> Reader:
    """A custodian widens a filed memo's distribution by one named person, with a reason
    that everyone who sees the memo can read."""
    memo = locked(memo, person)
    policy.require(person, Action.ADD_READER, memo)
    text = clean_text(_("Reason"), reason, REASON_MAX)
    reader = Person.objects.filter(username=username, is_active=True).first()
    if reader is None:
        raise InvalidInput(_("No active colleague has the user name %(name)s.") % {"name": username[:150]})
    caveats.require_within(memo, [reader])
    if policy.can_see(reader, memo):
        raise AlreadyDone(_("%(name)s can already read this memo.") % {"name": reader.display_name})
    row = Reader.objects.create(memo=memo, person=reader, added_by=person, reason=text)
    record_event(
        person, EventKind.MEMO_READER_ADDED, memo, {"memo": memo.pk, "reader": reader.pk, "reason": text}
    )
    return row


#: The state a transition request names, and the action that performs it.
TRANSITIONS = {
    MemoState.OPEN: open_memo,
    MemoState.FILED: file_memo,
    MemoState.CLOSED: close_memo,
    MemoState.WITHDRAWN: withdraw_memo,
}


def transition(memo: Memo, person: Person, to: str) -> Memo:
    """Move the memo to state `to` through the one action that does that."""
    try:
        perform = TRANSITIONS[MemoState(to)]
    except (ValueError, KeyError):
        raise InvalidInput(
            _("Unknown target state %(to)s; choose one of: %(states)s.")
            % {"to": to, "states": ", ".join(TRANSITIONS)}
        ) from None
    return perform(memo, person)
