from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from dissent.errors import InvalidInput
from dissent.markings.models import highest_marking
from dissent.memos import queries
from dissent.org import actions as org_actions
from dissent.org.models import Person, Role


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
    time_zone = forms.ChoiceField(label=_("Show times in"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        channel = _("The channel's time zone (%(tz)s)") % {"tz": settings.CHANNEL_TIME_ZONE}
        zones = [(name, name) for name in sorted(available_timezones())]
        self.fields["time_zone"].choices = [("", channel), *zones]  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)
    form = PreferencesForm(request.POST or None, initial={"time_zone": person.time_zone})
    if request.method == "POST":
        if not form.is_valid():
            raise InvalidInput(str(_("Choose a time zone from the list.")))
        org_actions.set_time_zone(person, form.cleaned_data["time_zone"])
        messages.success(request, _("Your preferences are saved."))
        return redirect("preferences")
    return render(request, "web/preferences.html", {"form": form})
