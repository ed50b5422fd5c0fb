"""Problem details for what Django answers under /api/ before the API's own handlers run:
a path no route matches (404), a method a route does not take (405), an error outside a
route (500). Pages elsewhere keep their HTML answers."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from dissent import unavailable

from .errors import PROBLEM_MEDIA_TYPE, database_unavailable_problem, problem_response

API_PREFIX = "/api/"


def _not_found() -> HttpResponse:
    return problem_response(
        404, _("There is no such address in the API. The routes are listed at /api/v1/docs.")
    )


@csrf_exempt  # answers 404 to every method: a CSRF refusal first would only hide that
@login_not_required  # and the sign-in redirect would send a script to an HTML page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The last route under /api/: whatever no API route matched."""
    return _not_found()


def answers_problems(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API route's view so Django's and ninja's plain answers (a 405 for a
    method the path does not take, a 404 raised outside an operation) are problem details."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found()
        if response.status_code == 405 and response.get("Content-Type") != PROBLEM_MEDIA_TYPE:
            allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip()))
            problem = problem_response(
                405,
                _("This address does not take %(method)s; it takes %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            problem["Allow"] = allowed
            return problem
        return response

    return wrapper


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: problem details under /api/, the site's error page elsewhere; while the
    database is away, 503 with Retry-After instead (dissent/unavailable.py)."""
    if unavailable.database_unavailable():
        if request.path.startswith(API_PREFIX):
            return database_unavailable_problem()
        return unavailable.unavailable_page(request)
    if request.path.startswith(API_PREFIX):
        return problem_response(500, _("Something went wrong on our side. Please try again later."))
    return defaults.server_error(request)
