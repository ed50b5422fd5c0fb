"""The co-signing fast lane: `POST /api/v1/memos/{id}/signatures` answered without Django's
request handler, its middleware and django-ninja, which together cost about as much CPU as
the signature itself (docs/performance.md, issue 9). In a crisis hundreds of people co-sign
within minutes, and this is the request they all make.

The lane is an optimisation and nothing else: it answers a request only when the whole stack
would have answered it 201, and answers it the same way (the same action, the same body and
headers). Every other request, including every request the lane has any doubt about, goes to
Django unchanged: a different route or method, no credentials or credentials it does not take
on its own (a session that has yet to pass its second step, a session due to record that it
was seen, a read-only token), a bad CSRF token or host, a body that is not exactly what the route takes,
and every refusal of the action (not invited, already signed, filed) or database error, which
`sign_memo` raises before anything is stored. Django then decides and words the answer, so
errors keep one implementation.

It reuses what decides security rather than restating it: the session engine and
`django.contrib.auth.get_user` (with its session-hash check), django-ninja's CSRF check (which
is Django's CsrfViewMiddleware), the host and HTTPS settings through a real WSGIRequest, the
idle-session rule (`web.middleware.seen_lately`), django-otp's middleware for whether the
session passed its second step, the token check (`org.tokens`), the route's own parser and
schema. tests/api/test_fastlane.py holds the two paths to the same answers.
"""

import io
import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from django.conf import settings
from django.contrib import auth
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.db import Error as DatabaseError  # InterfaceError too
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django_otp.middleware import OTPMiddleware
from ninja.errors import HttpError
from ninja.utils import check_csrf
from pydantic import ValidationError

from dissent.errors import DissentError
from dissent.memos import actions
from dissent.org import tokens, two_factor
from dissent.org.models import Person
from dissent.web.middleware import TWO_FACTOR_CHOSEN, seen_lately, session_verified, use_viewer_language

from .errors import JsonParser, UnreadableBody
from .memos import new_signature_out
from .schemas import MAX_ID, SignatureIn

type StartResponse = Callable[..., Any]
type WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

ROUTE = re.compile(r"/api/v1/memos/([1-9][0-9]{0,18})/signatures")
#: A body longer than this is not `{"visibility": "..."}`: Django answers it.
MAX_BODY = 256


class Pass(Exception):
    """Not for the lane: Django answers the request."""


class FastLane:
    """WSGI middleware: co-signatures in the lane, everything else to `django`."""

    def __init__(self, django: WSGIApp) -> None:
        self.django = django
        self.parser = JsonParser()
        self.session_store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
        unused = HttpResponse
        self.locale = LocaleMiddleware(unused)
        self.frame_options = XFrameOptionsMiddleware(unused)
        self.common = CommonMiddleware(unused)
        self.content_security = ContentSecurityPolicyMiddleware(unused)
        self.security = SecurityMiddleware(unused)
        self.second_step = OTPMiddleware(lambda request: None)  # sets request.user.otp_device

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = ROUTE.fullmatch(environ.get("PATH_INFO", ""))
        if route is None or environ.get("REQUEST_METHOD") != "POST" or int(route[1]) > MAX_ID:
            return self.django(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return self.django(environ, start_response)
        if not 0 < length <= MAX_BODY:
            return self.django(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # Django reads the same body if it answers
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        response: HttpResponse | None
        try:
            response = self.sign(request, int(route[1]))
        except (Pass, DatabaseError):
            # A database that fails (is away, say) fails before or at the commit, so nothing
            # or, if the commit's answer was lost, the whole signature is stored: the stack
            # then answers 503, 409 or, if the database is back, 201.
            response = None
        except Exception as error:  # a bug: answered, logged and signalled as the stack would
            response = response_for_exception(request, error)
        finally:
            signals.request_finished.send(sender=self.__class__)
        if response is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.django(environ, start_response)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]

    def sign(self, request: WSGIRequest, memo_id: int) -> HttpResponse:
        person = self.signer(request)
        try:
            payload = SignatureIn.model_validate(self.parser.parse_body(request))
        except (HttpError, UnreadableBody, ValidationError):
            raise Pass from None
        try:
            signature = actions.sign_memo(memo_id, person, visibility=payload.visibility)
        except DissentError:
            # Rolled back: nothing is stored, and Django answers (409, 404, ...).
            raise Pass from None
        from .api import api  # the API's own renderer, so the body is the route's

        out = new_signature_out(signature, person).model_dump()
        return self.finish(request, person, api.create_response(request, out, status=201))

    def signer(self, request: WSGIRequest) -> Person:
        """The person a request signs as, if the lane may take its credentials as they are."""
        try:
            request.get_host()  # ALLOWED_HOSTS
        except DisallowedHost:
            raise Pass from None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            raise Pass
        header = request.META.get("HTTP_AUTHORIZATION")
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if header is not None:
            if key:  # a token and a session: the stack would also mark the session seen
                raise Pass
            return self.token_owner(header)
        if not key:
            raise Pass
        request.session = self.session_store(key)
        if not seen_lately(request.session):  # also: not signed in
            raise Pass
        user = auth.get_user(request)
        if not isinstance(user, Person):
            raise Pass
        request.user = user
        if two_factor.required_for(user) or request.session.get(TWO_FACTOR_CHOSEN):
            self.second_step(request)  # the device that verified this session, if any
            if not session_verified(request.user):
                raise Pass  # the stack treats the session as no sign-in (401)
        if check_csrf(request) is not None or request.session.modified:
            raise Pass
        return user

    def token_owner(self, header: str) -> Person:
        scheme, __, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw:
            raise Pass
        token = tokens.check_token(raw)
        if token is None or not tokens.allows(token, "POST"):
            raise Pass
        return token.owner

    def finish(self, request: WSGIRequest, person: Person, response: HttpResponse) -> HttpResponse:
        """The headers the middleware would add to this answer, added by that middleware
        where it is Django's own, in the order the stack applies them."""
        self.locale.process_request(request)
        use_viewer_language(request, person)
        response = self.frame_options.process_response(request, response)
        response = cast(HttpResponse, self.common.process_response(request, response))  # Content-Length
        response = cast(HttpResponse, self.locale.process_response(request, response))
        patch_vary_headers(response, ("Cookie",))  # the stack always reads the session
        response = self.content_security.process_response(request, response)
        return self.security.process_response(request, response)
