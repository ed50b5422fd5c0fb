"""Memo pages. Each view parses a form, calls one action or query, and renders; memos
are fetched only through the policy (policy.get_memo), never from the model manager."""

from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dissent.anonymous import queries as anonymous_queries
from dissent.anonymous.texts import browser_texts as anonymous_texts
from dissent.deadlines.channel import TimeLeft, channel_policy, time_left
from dissent.errors import DissentError, InvalidInput
from dissent.log import receipts
from dissent.markings.models import highest_marking
from dissent.org.models import Person, Role

from . import actions, caveats, policy, queries, reads
from .content import render_markdown
from .forms import (
    AcknowledgeForm,
    AddendumForm,
    CallForm,
    CaveatsForm,
    ExtensionForm,
    InviteForm,
    MeetingForm,
    MeetingPreferenceForm,
    MemoForm,
    ReaderForm,
    ReplyForm,
    ReviewerForm,
    SignForm,
    TransitionForm,
)
from .models import Memo, MemoState, Reply, Visibility
from .notices import default_acknowledgment
from .policy import Action
from .visibility import distribution, name_audience, who_can_see


def _person(request: HttpRequest) -> Person:
    assert isinstance(request.user, Person)
    return request.user


def _invalid(form: forms.Form) -> InvalidInput:
    """The form's errors in one line, each after its field's label (in the reader's language)."""
    parts = []
    for field, errors in form.errors.items():
        text = " ".join(map(str, errors))
        label = form.fields[field].label if field in form.fields else None
        parts.append(f"{label}: {text}" if label else text)
    return InvalidInput(_("Please correct the form. %(errors)s") % {"errors": "; ".join(parts)})


def _back(memo_id: int) -> HttpResponseRedirect:
    return redirect("memos:detail", memo_id=memo_id)


def _content_kwargs(form: MemoForm) -> dict[str, str]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "summary": data["summary"],
        "body": data["body"],
        "policy_questioned": data["policy"],
        "addressee": data["addressee"],
        "marking": data["marking"],
    }


def memo_new(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = MemoForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "memos/memo_form.html", {"form": form}, status=400)
        memo = actions.create_memo(
            person, **_content_kwargs(form), protected_drafter=form.cleaned_data["protect_my_name"]
        )
        messages.success(request, _("Draft saved. Only you and your co-drafters can see it."))
        return _back(memo.pk)
    return render(request, "memos/memo_form.html", {"form": form})


def memo_edit(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id, action=Action.EDIT)
    initial = {
        "title": memo.title,
        "summary": memo.summary,
        "body": memo.body,
        "policy": memo.policy,
        "addressee": memo.addressee.username,
        "marking": memo.marking.code,
    }
    form = MemoForm(request.POST or None, initial=initial)
    del form.fields["protect_my_name"]  # chosen once, when the memo is created
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "memos/memo_form.html", {"form": form, "memo": memo}, status=400)
        actions.edit_memo(memo, person, **_content_kwargs(form))
        messages.success(request, _("Draft updated."))
        return _back(memo.pk)
    return render(request, "memos/memo_form.html", {"form": form, "memo": memo})


@require_GET
def memo_detail(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    reads.record_read(person, memo, how="page")
    lines = queries.signatures_seen_by(person, memo)
    reads.record_protected_names_shown(person, memo, lines, how="page")
    allowed = {a.value for a in policy.RULES if policy.can(person, a, memo)}
    readable = policy.can(person, Action.READ_BODY, memo)
    my_signature_row = (
        queries.signature_of(person, memo) if Action.MEETING_PREFERENCE.value in allowed else None
    )
    response = queries.response_seen_by(person, memo)
    parts = queries.memo_parts(memo)
    anonymous = parts.anonymous
    caveat_list = list(memo.caveats.all()) if parts.caveats else []
    my_signature = next((line for line in lines if line.mine), None)
    context = {
        "memo": memo,
        # The banner shows the highest marking of the parts on the page (memo, reply).
        "marking": highest_marking(memo.marking, response.reply.marking if response.reply else None),
        "readable": readable,
        "body_html": render_markdown(memo.body) if readable else "",
        "signatures": lines,
        # The exact count: named + protected + distinct verified anonymous tags.
        "signature_count": len(lines) + anonymous,
        "named_count": sum(1 for line in lines if line.visibility == Visibility.NAMED),
        "protected_count": sum(1 for line in lines if line.visibility == Visibility.PROTECTED),
        "anonymous_count": anonymous,
        "my_signature": my_signature,
        "anonymous": anonymous_queries.page_signing(
            person,
            memo,
            may_sign=Action.SIGN.value in allowed and memo.state == MemoState.OPEN,
            signed_by_name=my_signature is not None,
            both=parts.count_both_ways,
        ),
        "anonymous_texts": anonymous_texts,  # called by the template only when it shows them
        "allowed": allowed,
        "nothing_to_do": not (allowed - {Action.RECEIPT.value, Action.EXPORT.value}),
        "transitions": _transitions_for(allowed),
        "addenda": [(a, render_markdown(a.body)) for a in memo.addenda.select_related("author")]
        if readable and parts.addenda
        else [],
        # The two radio buttons by hand: SignForm's RadioSelect rendered through the form
        # templates cost ~15% of this page's CPU (docs/performance.md). Named comes first.
        "visibility_choices": Visibility.choices,
        "name_audience": name_audience(memo, person) if Action.SIGN.value in allowed else None,
        "invite_form": InviteForm(),
        "call_form": CallForm(initial={"unit": memo.call_unit.code if memo.call_unit else ""})
        if Action.OPEN_CALL.value in allowed
        else None,
        "addendum_form": AddendumForm(),
        "extension_form": ExtensionForm(),
        "extensions": list(memo.extensions.all()) if parts.extensions else [],
        "who_can_see": who_can_see(memo),
        "body_max": settings.MEMO_BODY_MAX_CHARS,
        "receipt": _receipt_summary(person, memo),
        "deadlines": _deadlines(memo),
        "response": response,
        "distribution": distribution(memo, lines) if memo.is_filed else [],
        "reader_form": ReaderForm() if Action.ADD_READER.value in allowed else None,
        "caveats": caveat_list,
        "caveats_form": CaveatsForm(initial={"codes": [c.code for c in caveat_list]})
        if queries.may_set_caveats(person, memo)
        else None,
        "read_counts": reads.read_counts(memo) if memo.is_filed else None,
        "sees_read_record": person.has_role(Role.CUSTODIAN) or person.has_role(Role.AUDITOR),
        "reply_html": render_markdown(response.reply.text) if response.reply else "",
        "acknowledge_form": AcknowledgeForm(initial={"text": default_acknowledgment(memo)})
        if Action.ACKNOWLEDGE.value in allowed
        else None,
        "reviewer_form": ReviewerForm(initial={"reviewer": memo.reviewer.username if memo.reviewer else None})
        if Action.ASSIGN_REVIEWER.value in allowed
        else None,
        "reply_form": _reply_form(memo, response.reply) if Action.DRAFT_REPLY.value in allowed else None,
        "meeting_form": MeetingForm() if Action.PROPOSE_MEETING.value in allowed else None,
        "meeting_preference_form": MeetingPreferenceForm(
            initial={"open_to_meeting": my_signature_row.open_to_meeting}
        )
        if Action.MEETING_PREFERENCE.value in allowed and my_signature_row is not None
        else None,
    }
    return render(request, "memos/memo_detail.html", context)


def _reply_form(memo: Memo, draft: Reply | None) -> ReplyForm:
    if draft is None or draft.is_sent:
        return ReplyForm(initial={"marking": memo.marking.code})
    return ReplyForm(initial={"text": draft.text, "marking": draft.marking.code})


def _transitions_for(allowed: set[str]) -> list[tuple[str, str]]:
    labels = [
        (Action.OPEN, MemoState.OPEN, _("Open for signatures")),
        (Action.FILE, MemoState.FILED, _("File with the channel")),
        (Action.CLOSE, MemoState.CLOSED, _("Close")),
        (Action.WITHDRAW, MemoState.WITHDRAWN, _("Withdraw memo")),
    ]
    return [(str(to), label) for action, to, label in labels if action in allowed]


@require_POST
def memo_invite(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    added = actions.invite(
        memo, person, usernames=form.usernames_list(), as_drafters=form.cleaned_data["as_drafters"]
    )
    if added:
        messages.success(
            request, _("Invited: %(names)s.") % {"names": ", ".join(p.display_name for p in added)}
        )
    else:
        messages.info(request, _("Everyone named was already invited."))
    return _back(memo.pk)


@require_POST
def memo_sign(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    form = SignForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    actions.sign_memo(memo_id, person, visibility=form.cleaned_data["visibility"])
    messages.success(request, _("You have signed this memo."))
    return _back(memo_id)


@require_POST
def memo_unsign(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    actions.withdraw_signature(memo, person)
    messages.success(request, _("Your signature has been withdrawn."))
    return _back(memo.pk)


@require_POST
def memo_transition(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    memo = actions.transition(memo, person, form.cleaned_data["to"])
    messages.success(request, _("The memo is now: %(state)s.") % {"state": memo.get_state_display()})
    return _back(memo.pk)


@require_POST
def memo_extend(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    actions.extend_reply_deadline(
        memo, person, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("The reply deadline has been extended; the drafters and signers can see why.")
    )
    return _back(memo.pk)


@require_POST
def memo_addendum(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    actions.add_addendum(memo, person, body=form.cleaned_data["body"])
    messages.success(request, _("Addendum added. The filed text is unchanged."))
    return _back(memo.pk)


@require_GET
def memo_receipt(request: HttpRequest, memo_id: int) -> HttpResponse:
    """Download my filing receipt as JSON (drafters and signers of a filed memo only)."""
    memo = policy.get_memo(_person(request), memo_id, action=Action.RECEIPT)
    response = JsonResponse(receipts.filing_receipt(memo.pk), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="receipt-memo-{memo.pk}.json"'
    return response


def _receipt_summary(person: Person, memo: Memo) -> dict[str, object] | None:
    if not policy.can(person, Action.RECEIPT, memo):
        return None
    try:
        return receipts.receipt_summary(memo.pk)
    except DissentError:
        return {"pending": True}


def _deadlines(memo: Memo) -> list[tuple[str, TimeLeft]]:
    """The deadlines still running for this memo, with the time left."""
    now = timezone.now()
    running: list[tuple[str, datetime]] = []
    if memo.ack_due and memo.state == MemoState.FILED:
        running.append((_("Acknowledgment"), memo.ack_due))
    if memo.reply_due and memo.state in {MemoState.FILED, MemoState.ACKNOWLEDGED}:
        running.append((_("Substantive reply"), memo.reply_due))
    if not running:
        return []
    channel = channel_policy()
    return [(label, time_left(due, now, channel)) for label, due in running]


@require_GET
def custodian_queue(request: HttpRequest) -> HttpResponse:
    memos = list(queries.custodian_queue(_person(request)))
    return render(request, "memos/memo_list.html", _listed(memos, _("Channel queue")))


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    memos = list(queries.addressed_to(_person(request)))
    return render(request, "memos/memo_list.html", _listed(memos, _("Memos addressed to you")))


def _listed(memos: list[Memo], heading: str) -> dict[str, object]:
    """A list's context; its banner shows the highest marking of the memos listed."""
    marking = highest_marking(*(m.marking for m in memos)) if memos else None
    return {"memos": memos, "heading": heading, "marking": marking, "caveats": []}


@require_GET
def memo_reads(request: HttpRequest, memo_id: int) -> HttpResponse:
    """Who read or exported the memo, when and how: for custodians and auditors."""
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    lines = reads.read_record(person, memo)
    return render(request, "memos/memo_reads.html", {"memo": memo, "marking": memo.marking, "lines": lines})


@require_POST
def memo_add_reader(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = ReaderForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    reader = actions.add_reader(
        memo, person, username=form.cleaned_data["username"], reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("%(name)s may now read this memo.") % {"name": reader.person.display_name})
    return _back(memo.pk)


@require_POST
def memo_caveats(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = CaveatsForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    chosen = caveats.set_caveats(memo, person, codes=form.cleaned_data["codes"])
    messages.success(
        request, _("Caveats: %(codes)s.") % {"codes": ", ".join(c.code for c in chosen) or _("none")}
    )
    return _back(memo.pk)
