"""ResolvedUserMiddleware: views get the person (or AnonymousUser) itself, not a wrapper."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from dissent.memos.models import MemoState
from dissent.org.models import Person
from dissent.web.middleware import ResolvedUserMiddleware

from .conftest import Cast, signed_in
from .factories import make_memo


def user_seen_by_the_view(user: object) -> object:
    seen: list[object] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request.user)
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    ResolvedUserMiddleware(view)(request)
    return seen[0]


def test_a_signed_in_person_reaches_the_view_as_themselves(cast: Cast) -> None:
    seen = user_seen_by_the_view(SimpleLazyObject(lambda: cast.bob))
    assert type(seen) is Person
    assert seen == cast.bob


def test_nobody_signed_in_reaches_the_view_as_the_anonymous_user() -> None:
    assert type(user_seen_by_the_view(SimpleLazyObject(AnonymousUser))) is AnonymousUser


def test_a_user_set_directly_is_left_alone(cast: Cast) -> None:
    assert user_seen_by_the_view(cast.bob) is cast.bob


def test_pages_still_know_who_is_signed_in(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    page = signed_in(cast.bob).get(f"/memos/{memo.pk}/")
    assert page.status_code == 200
    assert page.wsgi_request.user == cast.bob
    assert type(page.wsgi_request.user) is Person
