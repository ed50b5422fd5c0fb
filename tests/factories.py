"""Build people and memos for tests. Memos are brought to a state through the real
actions, so every memo a test sees has the events and rows a real one would have."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from dissent.memos import actions, responses
from dissent.memos.models import Memo, MemoState, Visibility
from dissent.org.models import OrgUnit, Person, Role

PASSWORD = "correct horse battery staple"


def make_unit(code: str = "embassy", parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(code=code, name=code.title(), parent=parent)


def make_person(
    username: str, role: Role = Role.MEMBER, *, supervisor: Person | None = None, unit: OrgUnit | None = None
) -> Person:
    person = Person(username=username, first_name=username.title(), last_name="Tester", role=role)
    person.supervisor = supervisor
    person.unit = unit
    person.email = f"{username}@example.org"
    person.set_password(PASSWORD)
    person.save()
    return person


def enrol_authenticator(person: Person) -> TOTPDevice:
    """A confirmed authenticator with a fresh key, as if the person had set one up; each
    call makes another (a code is accepted once per device and 30-second step)."""
    return TOTPDevice.objects.create(user=person, name="test authenticator", confirmed=True)


def make_draft(
    drafter: Person, addressee: Person, *, marking: str = "SBU", title: str = "Change course"
) -> Memo:
    return actions.create_memo(
        drafter,
        title=title,
        summary="We ask leadership to change course.",
        body="## Why\n\nBecause the policy fails on its own terms.",
        policy_questioned="Regional policy",
        addressee=addressee.username,
        marking=marking,
    )


ORDER = [MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED, MemoState.CLOSED]


def make_memo(
    state: MemoState,
    *,
    drafter: Person,
    addressee: Person,
    custodian: Person | None = None,
    invitees: list[Person] = (),  # type: ignore[assignment]
    signers: list[tuple[Person, Visibility]] = (),  # type: ignore[assignment]
    title: str = "Change course",
) -> Memo:
    """A memo in `state`. Invitees are invited in every state; signers (who must be among
    the invitees or the drafter) sign once it is open."""
    memo = make_draft(drafter, addressee, title=title)
    if invitees:
        actions.invite(memo, drafter, usernames=[p.username for p in invitees])
    if state == MemoState.DRAFT:
        return memo
    actions.open_memo(memo, drafter)
    for signer, visibility in signers:
        actions.sign_memo(memo, signer, visibility=visibility)
    if state == MemoState.OPEN:
        return memo
    if state == MemoState.WITHDRAWN:
        return actions.withdraw_memo(memo, drafter)
    actions.file_memo(memo, drafter)
    reached = ORDER.index(state)
    if reached >= ORDER.index(MemoState.ACKNOWLEDGED):
        assert custodian is not None, "a custodian is needed past filing"
        responses.acknowledge_memo(memo, custodian)
    if reached >= ORDER.index(MemoState.REPLIED):
        assert custodian is not None
        send_reply(memo, custodian, approver=addressee)
    if state == MemoState.CLOSED:
        assert custodian is not None
        actions.close_memo(memo, custodian)
    memo.refresh_from_db()
    return memo


def send_reply(memo: Memo, author: Person, *, approver: Person, text: str = "We have considered it.") -> Memo:
    """Draft the reply as `author` and have `approver` (someone else) approve it."""
    responses.draft_reply(memo, author, text=text, marking="SBU")
    responses.approve_reply(memo, approver)
    memo.refresh_from_db()
    return memo
