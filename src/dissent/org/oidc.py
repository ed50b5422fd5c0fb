"""Single sign-on through OpenID Connect (mozilla-django-oidc): the sign-in backend, the two
pages of the flow (/oidc/authenticate/ and /oidc/callback/), and what a sign-in changes in
the person from the provider's claims. Off, and /oidc/ answers 404, unless
settings.OIDC_ENABLED (OIDC_ISSUER is set); docs/deployment.md lists the settings.

People are found by the provider's issuer and its `sub` for them (SingleSignOnIdentity),
never by e-mail address, which a provider can give to someone else. Each sign-in brings the
person's name, verified e-mail address, unit and role up to date from the claims. The admin
role is never granted, nor taken away, by the provider: admins are made in the admin site.
"""

import hashlib
import logging
import re
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import path
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .backends import PersonBackend
from .models import OrgUnit, Person, Role, SingleSignOnIdentity

log = logging.getLogger(__name__)

#: The roles a provider's groups can give, most privileged first (the first one held wins):
#: custodians see memos by role and handle them, auditors see every memo's records,
#: principals see what is addressed to them. Never Role.ADMIN, whatever the settings say.
GRANTABLE_ROLES = (Role.CUSTODIAN, Role.AUDITOR, Role.PRINCIPAL)

#: Where the backend leaves, for the callback page, why it refused a sign-in.
_REFUSAL = "single_sign_on_refusal"
#: What Django allows in a username (its UnicodeUsernameValidator).
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")


class SignInRefused(Exception):
    """The provider vouched for someone this channel does not let in; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def single_sign_on_provider() -> str:
    """For the sign-in page: the provider's name when single sign-on is on, else ""."""
    return settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""


def role_from_groups(groups: object) -> Role:
    """The most privileged role whose groups (settings.OIDC_ROLE_GROUPS) the person is in;
    member when none."""
    if isinstance(groups, str):
        groups = [groups]
    held = {group for group in groups if isinstance(group, str)} if isinstance(groups, list) else set()
    for role in GRANTABLE_ROLES:
        if held.intersection(settings.OIDC_ROLE_GROUPS.get(role.value, [])):
            return role
    return Role.MEMBER


def unit_from_claims(claims: dict[str, Any]) -> OrgUnit | None:
    """The unit whose code is in the unit claim; none when the claim is missing or names no
    unit of ours (units are never created from claims)."""
    code = claims.get(settings.OIDC_UNIT_CLAIM)
    if not isinstance(code, str) or not code.strip():
        return None
    return OrgUnit.objects.filter(code=code.strip()).first()


def verified_email(claims: dict[str, Any]) -> str:
    """The e-mail address, only if the provider says it has verified it: notifications go to
    it, so an address someone merely typed in at the provider is not taken."""
    email = claims.get("email")
    verified = claims.get("email_verified")
    if not isinstance(email, str) or verified not in (True, "true"):
        return ""
    email = email.strip()
    return email if "@" in email and len(email) <= 254 else ""


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _claimed_changes(person: Person, claims: dict[str, Any]) -> list[str]:
    """Sets what the claims say on `person`; returns the fields that changed."""
    wanted: dict[str, Any] = {}
    given, family = _text(claims.get("given_name"), 150), _text(claims.get("family_name"), 150)
    name = _text(claims.get("name"), 150)
    if given or family:
        wanted.update(first_name=given, last_name=family)
    elif name:  # one name as the person gives it: splitting it would get many names wrong
        wanted.update(first_name=name, last_name="")
    email = verified_email(claims)
    if email:
        wanted["email"] = email
    if settings.OIDC_UNIT_CLAIM:
        unit = unit_from_claims(claims)
        wanted["unit_id"] = unit.pk if unit else None
    if settings.OIDC_ROLE_GROUPS and person.role != Role.ADMIN:
        wanted["role"] = role_from_groups(claims.get(settings.OIDC_GROUPS_CLAIM))
    changed = [field for field, value in wanted.items() if getattr(person, field) != value]
    for field in changed:
        setattr(person, field, wanted[field])
    return changed


def _new_username(issuer: str, subject: str, claims: dict[str, Any]) -> str:
    """The provider's preferred username when it is free, else it (or "sso") with a suffix
    derived from the identity. Never an existing person's: a name does not link accounts."""
    wanted = _text(claims.get("preferred_username"), 100) or verified_email(claims).partition("@")[0]
    wanted = _NOT_IN_USERNAME.sub("", wanted)[:100]
    if wanted and not Person.objects.filter(username__iexact=wanted).exists():
        return wanted
    suffix = hashlib.sha256(f"{issuer} {subject}".encode()).hexdigest()[:10]
    return f"{wanted or 'sso'}-{suffix}"


@transaction.atomic
def _sign_in_from_claims(issuer: str, subject: str, claims: dict[str, Any]) -> Person:
    identity = (
        SingleSignOnIdentity.objects.select_related("person").filter(issuer=issuer, subject=subject).first()
    )
    if identity is None:
        if not settings.OIDC_CREATE_PEOPLE:
            raise SignInRefused(
                _("This channel has no account for you yet. Ask the channel's administrators to add you.")
            )
        person = Person.objects.create_user(
            _new_username(issuer, subject, claims), email=verified_email(claims)
        )
        SingleSignOnIdentity.objects.create(person=person, issuer=issuer, subject=subject)
    else:
        person = identity.person
        if not person.is_active:
            raise SignInRefused(
                _("Your account in this channel is deactivated. Ask the channel's administrators.")
            )
    changed = _claimed_changes(person, claims)
    if changed:
        person.save(update_fields=changed)
    return person


def sign_in_from_claims(issuer: str, subject: str, claims: dict[str, Any]) -> Person:
    """The person the provider signed in (issuer, subject), brought up to date from its
    claims; a first sign-in creates them as a member when settings.OIDC_CREATE_PEOPLE.
    Raises SignInRefused for a deactivated person, or a new one when creating is off; then
    nothing has changed."""
    try:
        return _sign_in_from_claims(issuer, subject, claims)
    except IntegrityError:  # a parallel first sign-in of the same person created them first
        return _sign_in_from_claims(issuer, subject, claims)


def _id_token_subject(payload: dict[str, Any]) -> str:
    """The `sub` of an ID token whose signature and nonce mozilla-django-oidc has checked,
    after the checks it leaves out (OpenID Connect Core 3.1.3.7): our issuer, our client in
    the audience, an expiry (PyJWT has checked it is in the future)."""
    client_id = settings.OIDC_RP_CLIENT_ID
    audience = payload.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if payload.get("iss") != settings.OIDC_ISSUER:
        raise SuspiciousOperation("The ID token is from another issuer.")
    if client_id not in audiences:
        raise SuspiciousOperation("The ID token is not for this client.")
    if ("azp" in payload or len(audiences) > 1) and payload.get("azp") != client_id:
        raise SuspiciousOperation("The ID token was issued to another party.")
    if not isinstance(payload.get("exp"), int | float):
        raise SuspiciousOperation("The ID token has no expiry.")
    subject = payload.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SuspiciousOperation("The ID token has no usable subject.")
    return subject


class SingleSignOnBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Signs in whoever the provider vouches for, and only on /oidc/callback/ (called with
    the nonce that page keeps): to a password sign-in and everything else it answers None.
    Any failure of the provider's answer is a refusal, never an error page."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Person | None:
        if request is None or not settings.OIDC_ENABLED or not kwargs.get("nonce"):
            return None
        try:
            person: Person | None = super().authenticate(request, **kwargs)
        except SignInRefused as refusal:
            setattr(request, _REFUSAL, refusal.message)
            return None
        except (
            requests.RequestException,
            jwt.PyJWTError,
            SuspiciousOperation,
            ValueError,
            KeyError,
        ) as error:
            log.warning("Single sign-on refused: %s: %s", type(error).__name__, error)
            return None
        return person

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Person:
        subject = _id_token_subject(payload)
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != subject:
            # OpenID Connect Core 5.3.4: otherwise the claims may be someone else's.
            raise SuspiciousOperation("The provider's userinfo is for another subject than its ID token.")
        return sign_in_from_claims(settings.OIDC_ISSUER, subject, {**payload, **userinfo})

    def get_user(self, user_id: Any) -> Person | None:
        """The signed-in person on each request, as for a password sign-in."""
        return PersonBackend().get_user(user_id)


class SignInStart(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """/oidc/authenticate/: to the provider's sign-in page, with a new state, nonce and PKCE
    verifier kept in this browser's session."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


class SignInCallback(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """/oidc/callback/: where the provider sends the browser back. Signs the person in, or
    goes back to the sign-in page with a message saying why not."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        issuer = request.GET.get("iss")
        if issuer is not None and issuer != settings.OIDC_ISSUER:  # RFC 9207: a mix-up attack
            log.warning("Single sign-on refused: the answer names another issuer.")
            return self.login_failure()
        if request.GET.get("error"):
            # The provider said no. Its state is spent; unlike the library, this does not sign
            # out whoever is signed in here: a link must not be able to do that.
            states = request.session.get("oidc_states")
            if isinstance(states, dict) and states.pop(request.GET.get("state", ""), None) is not None:
                request.session.modified = True
            log.warning("Single sign-on refused by the provider: %s", request.GET["error"][:100])
            return self.login_failure()
        try:
            response: HttpResponse = super().get(request)
        except SuspiciousOperation as error:  # a state this browser never sent
            log.warning("Single sign-on refused: %s", error)
            return self.login_failure()
        return response

    def login_failure(self) -> HttpResponse:
        message = getattr(self.request, _REFUSAL, None) or _(
            "Signing in with %(provider)s did not work. Please try again; if it keeps failing, "
            "tell the channel's administrators."
        ) % {"provider": settings.OIDC_PROVIDER_NAME}
        messages.error(self.request, message)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


urlpatterns = [
    path("authenticate/", login_not_required(SignInStart.as_view()), name="oidc_authentication_init"),
    path("callback/", login_not_required(SignInCallback.as_view()), name="oidc_authentication_callback"),
]
