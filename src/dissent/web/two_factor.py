"""The second step of signing in (org/two_factor.py): setting up an authenticator app,
entering its code or a recovery code, making new recovery codes, turning it off."""

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from dissent.errors import InvalidInput
from dissent.org import two_factor
from dissent.org.models import Person

from .middleware import TWO_FACTOR_CHOSEN, session_verified, two_factor_exempt

#: The session key of the authenticator being set up (not yet confirmed).
PENDING_DEVICE = "dissent_pending_totp_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def _person(request: HttpRequest) -> Person:
    person = request.user
    assert isinstance(person, Person)
    return person


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def _passed(request: HttpRequest, device: object) -> None:
    """This session has passed the second step: a new session key, as at any sign-in."""
    django_otp.login(request, device)
    request.session.cycle_key()
    request.session[TWO_FACTOR_CHOSEN] = True


def _refused(
    request: HttpRequest, template: str, context: dict[str, object], error: InvalidInput
) -> HttpResponse:
    form = context["form"]
    assert isinstance(form, forms.Form)
    form.add_error(None, error.message)
    response = render(request, template, context, status=error.status)
    if isinstance(error, two_factor.TooManyAttempts):
        response["Retry-After"] = str(error.retry_after)
    return response


@two_factor_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the authenticator's code, or a recovery code."""
    person = _person(request)
    next_url = _next_url(request)
    if session_verified(request.user):
        return redirect(next_url)
    if not two_factor.is_enabled(person):
        return redirect(_with_next("two_factor_setup", next_url))
    form = CodeForm(request.POST or None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        if not form.is_valid():
            return _refused(request, "web/two_factor_verify.html", context, InvalidInput(_("Enter a code.")))
        try:
            result = two_factor.verify(person, form.cleaned_data["code"])
        except InvalidInput as error:
            return _refused(request, "web/two_factor_verify.html", context, error)
        _passed(request, result.device)
        if result.used_recovery_code:
            messages.warning(
                request,
                ngettext(
                    "You signed in with a recovery code; %(left)s is left. "
                    "Make new ones on your preferences page if you are running low.",
                    "You signed in with a recovery code; %(left)s are left. "
                    "Make new ones on your preferences page if you are running low.",
                    result.recovery_codes_left,
                )
                % {"left": result.recovery_codes_left},
            )
        return redirect(next_url)
    return render(request, "web/two_factor_verify.html", context)


@two_factor_exempt
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Pairs an authenticator app: a QR code and the key, then a code from the app to
    confirm it. Someone who already has one must pass the second step before replacing it,
    so a stolen password cannot enrol the thief's phone."""
    person = _person(request)
    next_url = _next_url(request)
    if two_factor.is_enabled(person) and not session_verified(request.user):
        return redirect(_with_next("two_factor", next_url))
    device = two_factor.pending_enrolment(person, request.session.get(PENDING_DEVICE))
    if device is None:
        device = two_factor.start_enrolment(person)
        request.session[PENDING_DEVICE] = device.pk
    form = CodeForm(request.POST or None)
    context = {
        "form": form,
        "next": next_url,
        **_pairing(device),
        "required": two_factor.required_for(person),
    }
    if request.method == "POST":
        if not form.is_valid():
            return _refused(request, "web/two_factor_setup.html", context, InvalidInput(_("Enter a code.")))
        try:
            codes = two_factor.confirm_enrolment(person, device, form.cleaned_data["code"])
        except InvalidInput as error:
            return _refused(request, "web/two_factor_setup.html", context, error)
        del request.session[PENDING_DEVICE]
        _passed(request, device)
        return _recovery_codes_page(request, codes, next_url)
    response = render(request, "web/two_factor_setup.html", context)
    response["Cache-Control"] = "no-store"  # the page shows the key
    return response


def _pairing(device: TOTPDevice) -> dict[str, str]:
    key = b32encode(device.bin_key).decode().rstrip("=")
    return {
        "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "key_groups": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
    }


def _recovery_codes_page(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    response = render(request, "web/two_factor_recovery_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not session_verified(request.user):
        return redirect(_with_next("two_factor", reverse("preferences")))
    codes = two_factor.new_recovery_codes(person)
    return _recovery_codes_page(request, codes, reverse("preferences"))


@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not session_verified(request.user):
        return redirect(_with_next("two_factor", reverse("preferences")))
    two_factor.disable(person)
    request.session.pop(TWO_FACTOR_CHOSEN, None)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    messages.success(request, _("Two-step verification is off. Your password alone now signs you in."))
    return redirect("preferences")
