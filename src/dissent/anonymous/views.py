"""The page where a member makes, backs up, restores and revokes their key for anonymous
signing. The key is made and kept in the browser (static/anonymous/key-page.js); the server
only ever sees the public half, through the API."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dissent.memos import policy
from dissent.org.models import Person

from . import actions, queries
from .texts import browser_texts


def _person(request: HttpRequest) -> Person:
    person = request.user
    assert isinstance(person, Person)  # the site-wide sign-in requirement saw to it
    return person


@require_GET
def key_page(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    context = {
        "key": queries.active_key(person),
        "my_keys": queries.keys_of(person),
        "texts": browser_texts(),
        "delay": settings.ANONYMOUS_SEND_DELAY,
    }
    return render(request, "anonymous/key.html", context)


@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    actions.revoke_key(_person(request))
    messages.success(
        request,
        _(
            "Your key is revoked: from the next signed log on, rings no longer include it. "
            "Anonymous signatures it already made still count."
        ),
    )
    return redirect("anonymous:key")


@require_POST
def set_counting(request: HttpRequest, memo_id: int) -> HttpResponse:
    """The drafters' choice on the memo page: may a member sign both by name and anonymously?"""
    person = _person(request)
    memo = policy.get_memo(person, memo_id)
    actions.set_count_both_ways(memo, person, request.POST.get("count_both_ways") == "on")
    messages.success(request, _("How anonymous signatures count is saved."))
    return redirect("memos:detail", memo_id=memo.pk)
