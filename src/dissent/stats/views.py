"""The statistics pages: `/stats/` for the people who answer for the channel and those
who audit it, and `/stats/public/`, the same aggregates for anyone, when the
organisation turns it on (STATS_PUBLIC). Neither page shows a single memo: no titles, no
names, no ids, only counts and times."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dissent.errors import InvalidInput, NotFound
from dissent.org.models import Person, Role

from .figures import figures
from .queries import channel_statistics

#: Who sees /stats/. Members do not: for them the page does not exist (404), as anything
#: else they may not see. (The rule lives here until the policy grows a channel-wide face.)
READERS = frozenset({Role.PRINCIPAL, Role.AUDITOR, Role.CUSTODIAN, Role.ADMIN})

#: The windows a reader may choose, in calendar months ending with the current one.
WINDOWS = (3, 6, 12, 24, 36)
DEFAULT_WINDOW = 12


def may_read_statistics(person: object) -> bool:
    return isinstance(person, Person) and person.is_active and person.role in READERS


def _window(request: HttpRequest) -> int:
    raw = request.GET.get("months", str(DEFAULT_WINDOW))
    if not raw.isdigit() or int(raw) not in WINDOWS:
        raise InvalidInput(
            _("Choose a window of %(choices)s months.") % {"choices": ", ".join(map(str, WINDOWS))}
        )
    return int(raw)


def _page(request: HttpRequest, *, public: bool) -> HttpResponse:
    months = _window(request)
    stats = channel_statistics(timezone.now(), months=months)
    context = {
        "public": public,
        "figures": figures(stats),
        "months": months,
        "windows": WINDOWS,
        "first_day": stats.start.date(),
        "as_at": stats.now,
        "time_zone": stats.tz.key,
    }
    return render(request, "stats/statistics.html", context)


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    if not may_read_statistics(request.user):
        raise NotFound(_("No such page."))
    return _page(request, public=False)


@login_not_required
@require_GET
def public_statistics(request: HttpRequest) -> HttpResponse:
    if not getattr(settings, "STATS_PUBLIC", False):
        raise NotFound(_("No such page."))
    return _page(request, public=True)
