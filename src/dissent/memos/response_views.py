"""Pages for the organisation's side of a memo (memos/responses.py): each parses a form,
calls one action and goes back to the memo page with a message."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dissent.org.models import Person

from . import calls, policy, responses
from .forms import (
    AcknowledgeForm,
    CallForm,
    MeetingAnswerForm,
    MeetingForm,
    MeetingPreferenceForm,
    ReplyForm,
    ReviewerForm,
)
from .models import Memo
from .views import _back, _invalid, _person

Perform = Callable[[Memo, Person, dict[str, Any]], str]


def _memo_form(
    request: HttpRequest, memo_id: int, form_class: type[forms.Form] | None, perform: Perform
) -> HttpResponse:
    """The shape every action form on the memo page shares: the memo as the person may see
    it, the form parsed (a 400 naming the fields otherwise), one action, its message, back
    to the memo."""
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            raise _invalid(form)
        data = form.cleaned_data
    messages.success(request, perform(memo, person, data))
    return _back(memo.pk)


@require_POST
def open_call(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        memo = calls.open_to(memo, person, unit=data["unit"] or None)
        if memo.call_unit is None:
            return _("Only invited colleagues may find and co-sign the memo.")
        return _("Everyone in %(unit)s may now find and co-sign the memo while it is open.") % {
            "unit": memo.call_unit.name
        }

    return _memo_form(request, memo_id, CallForm, perform)


@require_POST
def acknowledge(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        responses.acknowledge_memo(memo, person, text=data["text"])
        return _("Acknowledged. The drafters and signers are being told.")

    return _memo_form(request, memo_id, AcknowledgeForm, perform)


@require_POST
def assign_reviewer(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        memo = responses.assign_reviewer(memo, person, reviewer=data["reviewer"])
        return _("%(name)s will draft the reply.") % {"name": memo.reviewer}

    return _memo_form(request, memo_id, ReviewerForm, perform)


@require_POST
def draft_reply(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        responses.draft_reply(memo, person, text=data["text"], marking=data["marking"])
        return _("Reply draft saved. It is sent once someone else approves it.")

    return _memo_form(request, memo_id, ReplyForm, perform)


@require_POST
def approve_reply(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        responses.approve_reply(memo, person)
        return _("Reply approved and sent to the drafters and signers.")

    return _memo_form(request, memo_id, None, perform)


@require_POST
def meeting_preference(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        responses.set_meeting_preference(memo, person, open_to_meeting=data["open_to_meeting"])
        return _("Your meeting preference is saved.")

    return _memo_form(request, memo_id, MeetingPreferenceForm, perform)


@require_POST
def propose_meeting(request: HttpRequest, memo_id: int) -> HttpResponse:
    def perform(memo: Memo, person: Person, data: dict[str, Any]) -> str:
        starts_at = data["starts_at"]
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        responses.propose_meeting(
            memo, person, starts_at=starts_at, place=data["place"], agenda=data["agenda"]
        )
        return _("Meeting proposed; the invitees are being told.")

    return _memo_form(request, memo_id, MeetingForm, perform)


@require_POST
def answer_meeting(request: HttpRequest, memo_id: int, meeting_id: int) -> HttpResponse:
    person = _person(request)
    form = MeetingAnswerForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    invitation = responses.answer_meeting(
        meeting_id, person, accept=form.cleaned_data["accept"], memo_id=memo_id
    )
    messages.success(request, _("Your answer is recorded."))
    return redirect("memos:detail", invitation.meeting.memo_id)
