"""Page middleware: the viewer's time zone, and domain errors turned into a message and
its status."""

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from dissent.errors import DissentError


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DissentError):
            return None
        return render(request, "web/error.html", {"message": exception.message}, status=exception.status)


class ViewerLanguageMiddleware:
    """Pages in the signed-in person's language when this browser has not chosen one (with
    the switcher, which sets a cookie); LocaleMiddleware, before it, chose from the cookie or
    else from what the browser asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = getattr(request.user, "language", "")
        if code and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(code)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


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
