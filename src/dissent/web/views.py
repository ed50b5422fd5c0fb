import math
from datetime import timedelta
from typing import Any
from zoneinfo import available_timezones

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from dissent.errors import InvalidInput
from dissent.markings.models import highest_marking
from dissent.memos import queries
from dissent.org import actions as org_actions
from dissent.org import two_factor
from dissent.org.models import Person, Role, TokenScope

from .middleware import two_factor_exempt


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)
    memos = list(queries.memos_for(person)[:200])
    context = {
        "memos": memos,
        # the banner shows the highest marking of the memos listed
        "marking": highest_marking(*(m.marking for m in memos)) if memos else None,
        "is_custodian": person.has_role(Role.CUSTODIAN),
        "is_principal": person.has_role(Role.PRINCIPAL),
    }
    return render(request, "web/home.html", context)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of pages and e-mails"), required=False)
    time_zone = forms.ChoiceField(label=_("Show times in"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        channel = _("The channel's time zone (%(tz)s)") % {"tz": settings.CHANNEL_TIME_ZONE}
        zones = [(name, name) for name in sorted(available_timezones())]
        self.fields["time_zone"].choices = [("", channel), *zones]  # type: ignore[attr-defined]
        default = _("The channel's language (%(name)s)") % {
            "name": translation.get_language_info(settings.LANGUAGE_CODE)["name_local"]
        }
        info = translation.get_language_info
        languages = [(code, info(code)["name_local"]) for code, __ in settings.LANGUAGES]
        self.fields["language"].choices = [("", default), *languages]  # type: ignore[attr-defined]


class AccessTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    scope = forms.ChoiceField(label=_("Token may"), choices=TokenScope.choices, initial=TokenScope.READ)
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=org_actions.TOKEN_MAX_DAYS,
        initial=org_actions.TOKEN_DEFAULT_DAYS,
    )


def _preferences_page(
    request: HttpRequest, person: Person, form: PreferencesForm, **extra: object
) -> HttpResponse:
    context = {
        "form": form,
        "token_form": AccessTokenForm(),
        "tokens": person.access_tokens.all(),
        "two_factor_enabled": two_factor.is_enabled(person),
        "two_factor_required": two_factor.required_for(person),
        "recovery_codes_left": two_factor.recovery_codes_left(person),
        **extra,
    }
    return render(request, "web/preferences.html", context)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)
    form = PreferencesForm(
        request.POST or None, initial={"time_zone": person.time_zone, "language": person.language}
    )
    if request.method == "POST":
        if not form.is_valid():
            raise InvalidInput(str(_("Choose a language and a time zone from the lists.")))
        org_actions.set_time_zone(person, form.cleaned_data["time_zone"])
        org_actions.set_language(person, form.cleaned_data["language"])
        language = person.language or settings.LANGUAGE_CODE
        with translation.override(language):  # said in the language just chosen
            messages.success(request, str(_("Your preferences are saved.")))
        response = redirect("preferences")
        _remember_language(response, language)
        return response
    return _preferences_page(request, person, form)


@require_POST
def create_access_token(request: HttpRequest) -> HttpResponse:
    """Answers with the preferences page showing the new token: the one time it is shown."""
    person = request.user
    assert isinstance(person, Person)
    token_form = AccessTokenForm(request.POST)
    if not token_form.is_valid():
        raise InvalidInput(str(_("Give the token a name, a scope and from 1 to 365 days.")))
    data = token_form.cleaned_data
    token, token_string = org_actions.create_access_token(
        person, name=data["name"], scope=data["scope"], days=data["days"]
    )
    form = PreferencesForm(initial={"time_zone": person.time_zone, "language": person.language})
    response = _preferences_page(request, person, form, new_token=token, new_token_string=token_string)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke_access_token(request: HttpRequest, token_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)
    token = org_actions.revoke_access_token(person, token_id)
    messages.success(request, str(_("The token %(name)s is revoked.")) % {"name": token.name})
    return redirect("preferences")


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Ends every session of the signed-in person, this one included."""
    person = request.user
    assert isinstance(person, Person)
    org_actions.sign_out_everywhere(person)
    auth.logout(request)
    messages.success(request, str(_("You are signed out in every browser and app. Sign in again here.")))
    return redirect(settings.LOGIN_URL)


def signin_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page django-axes shows instead of the sign-in form's answer while sign-in is locked
    out for this account from this address, or for this address (settings.AXES_LOCKOUT_CALLABLE)."""
    until = AxesProxyHandler.get_implementation().locked_until(request, credentials)
    if until is None:  # counted as locked out a moment ago: the whole cool-off is ahead
        until = timezone.now() + timedelta(minutes=settings.SIGNIN_COOLOFF_MINUTES)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    response = render(request, "registration/locked_out.html", {"until": until}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@login_not_required
@two_factor_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher (Django's view), which for a signed-in person also
    becomes their language for e-mails and for browsers that have not chosen one."""
    response = django_set_language(request)
    code = request.POST.get("language", "")
    person = request.user
    if isinstance(person, Person) and person.is_authenticated and code in dict(settings.LANGUAGES):
        org_actions.set_language(person, code)
    return response


def _remember_language(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own password change (the validators in AUTH_PASSWORD_VALIDATORS; every other
    session of the person ends, this one stays), answering 400 when the form is refused."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("preferences")

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request, str(_("Your password is changed. You are signed out everywhere else."))
        )
        return response
