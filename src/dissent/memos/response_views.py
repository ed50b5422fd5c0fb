"""Pages for the organisation's side of a memo (memos/responses.py): each parses a form,
calls one action and goes back to the memo page with a message."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import policy, responses
from .forms import (
    AcknowledgeForm,
    MeetingAnswerForm,
    MeetingForm,
    MeetingPreferenceForm,
    ReplyForm,
    ReviewerForm,
)
from .views import _back, _invalid, _person


@require_POST
def acknowledge(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    responses.acknowledge_memo(memo, person, text=form.cleaned_data["text"])
    messages.success(request, _("Acknowledged. The drafters and signers are being told."))
    return _back(memo.pk)


@require_POST
def assign_reviewer(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = ReviewerForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    memo = responses.assign_reviewer(memo, person, reviewer=form.cleaned_data["reviewer"])
    messages.success(request, _("%(name)s will draft the reply.") % {"name": memo.reviewer})
    return _back(memo.pk)


@require_POST
def draft_reply(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    responses.draft_reply(memo, person, text=form.cleaned_data["text"], marking=form.cleaned_data["marking"])
    messages.success(request, _("Reply draft saved. It is sent once someone else approves it."))
    return _back(memo.pk)


@require_POST
def approve_reply(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    responses.approve_reply(memo, person)
    messages.success(request, _("Reply approved and sent to the drafters and signers."))
    return _back(memo.pk)


@require_POST
def meeting_preference(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = MeetingPreferenceForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    responses.set_meeting_preference(memo, person, open_to_meeting=form.cleaned_data["open_to_meeting"])
    messages.success(request, _("Your meeting preference is saved."))
    return _back(memo.pk)


@require_POST
def propose_meeting(request: HttpRequest, memo_id: int) -> HttpResponse:
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    starts_at = form.cleaned_data["starts_at"]
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    responses.propose_meeting(
        memo,
        person,
        starts_at=starts_at,
        place=form.cleaned_data["place"],
        agenda=form.cleaned_data["agenda"],
    )
    messages.success(request, _("Meeting proposed; the invitees are being told."))
    return _back(memo.pk)


@require_POST
def answer_meeting(request: HttpRequest, memo_id: int, meeting_id: int) -> HttpResponse:
    person = _person(request)
    form = MeetingAnswerForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    invitation = responses.answer_meeting(meeting_id, person, accept=form.cleaned_data["accept"])
    messages.success(request, _("Your answer is recorded."))
    return redirect("memos:detail", invitation.meeting.memo_id)
