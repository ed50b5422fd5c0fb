"""Page middleware: idle sessions ended, the viewer's language and time zone, and domain
errors turned into a message and its status."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils import timezone, translation
from django.utils.functional import LazyObject
from django.utils.translation import gettext as _

from dissent.errors import DissentError
from dissent.org import two_factor
from dissent.org.models import Person


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DissentError):
            return None
        return render(request, "web/error.html", {"message": exception.message}, status=exception.status)


class ResolvedUserMiddleware:
    """`request.user` as the person (or AnonymousUser) itself instead of Django's lazy
    wrappers (django-otp's around AuthenticationMiddleware's). Each attribute read through
    a wrapper costs an exception and several calls, and a memo page reads it hundreds of
    times (every policy check takes the person; docs/performance.md). Laziness saves
    nothing here, as the viewer's language is read from the user on every request anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        while isinstance(user, LazyObject):  # django-otp's wraps AuthenticationMiddleware's
            user.is_authenticated  # noqa: B018 - evaluates the wrapper
            user = user._wrapped  # LazyObject's one slot: what it stands for
        request.user = user
        return self.get_response(request)


class ViewerLanguageMiddleware:
    """Pages in the signed-in person's language when this browser has not chosen one (with
    the switcher, which sets a cookie); LocaleMiddleware, before it, chose from the cookie or
    else from what the browser asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        use_viewer_language(request, request.user)
        return self.get_response(request)


def use_viewer_language(request: HttpRequest, user: object) -> None:
    code = getattr(user, "language", "")
    if code and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


class ViewerTimeZoneMiddleware:
    """Show times in the signed-in person's own time zone, or else the channel's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = getattr(request.user, "time_zone", "") or settings.CHANNEL_TIME_ZONE
        try:
            timezone.activate(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            timezone.activate(ZoneInfo(settings.CHANNEL_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


#: The session key holding when the signed-in person was last seen (Unix seconds).
LAST_SEEN = "dissent_last_seen"
#: How stale LAST_SEEN may get before a request refreshes it: refreshing saves the session
#: row, so doing it at most once a minute keeps most requests free of a write.
LAST_SEEN_RESOLUTION = 60


@receiver(user_logged_in)
def start_signed_in_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A sign-in lasts SESSION_COOKIE_AGE from now, however active it is (saving the session
    would otherwise move its end each time), and starts its idle clock."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
    request.session[LAST_SEEN] = int(time.time())


def seen_lately(session: Any) -> bool:
    """Whether the session made a request less than LAST_SEEN_RESOLUTION ago (and within the
    idle limit): then IdleSessionMiddleware has nothing to do, neither sign out nor write."""
    last_seen = session.get(LAST_SEEN)
    if not isinstance(last_seen, int):
        return False
    age = int(time.time()) - last_seen
    return age < LAST_SEEN_RESOLUTION and age <= settings.SESSION_IDLE_TIMEOUT


class IdleSessionMiddleware:
    """Signs out a session that made no request for SESSION_IDLE_TIMEOUT seconds.

    Reads only the session already loaded; writes it only when the last-seen time is more
    than LAST_SEEN_RESOLUTION old, so an idle limit is enforced to within a minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if auth.SESSION_KEY in session and not seen_lately(session):
            now = int(time.time())
            last_seen = session.get(LAST_SEEN)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                auth.logout(request)
                if not request.path.startswith("/api/"):  # said on the sign-in page it is sent to
                    messages.info(request, _("You were signed out after a period without activity."))
            elif not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
                if "_session_expiry" not in session:  # signed in before sessions had a fixed end
                    session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
                session[LAST_SEEN] = now
        return self.get_response(request)


#: Set in the session at sign-in when the person has an authenticator, so that a member who
#: chose two-step verification is asked for it too (without a query on every request).
TWO_FACTOR_CHOSEN = "dissent_two_factor_chosen"


@receiver(user_logged_in)
def note_two_factor_choice(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and two_factor.is_enabled(user):
        request.session[TWO_FACTOR_CHOSEN] = True


def session_verified(user: object) -> bool:
    """Whether this session has passed the second step (django-otp's OTPMiddleware puts the
    device that verified it on the user)."""
    return getattr(user, "otp_device", None) is not None


def two_factor_exempt[V: Callable[..., HttpResponse]](view: V) -> V:
    """Marks a view a signed-in person may reach before the second step: the second step's
    own pages, signing out, the language switcher."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


class TwoFactorMiddleware:
    """Until this session has passed the second step, someone who must (their role) or chose
    to (they have an authenticator) use it reaches only the second step's pages; the API
    treats such a session as no sign-in at all (401). Access tokens are not sessions: they
    are made on a verified session and checked on their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not isinstance(user, Person) or session_verified(user):
            return None
        if not (two_factor.required_for(user) or request.session.get(TWO_FACTOR_CHOSEN)):
            return None
        if getattr(view, "two_factor_exempt", False):
            return None
        if request.path.startswith("/api/"):
            request.user = AnonymousUser()
            return None
        return redirect_to_login(request.get_full_path(), resolve_url("two_factor"), REDIRECT_FIELD_NAME)
