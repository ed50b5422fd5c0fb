from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dissent.memos import queries
from dissent.org.models import Person, Role


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)
    context = {
        "memos": queries.memos_for(person)[:200],
        "is_custodian": person.has_role(Role.CUSTODIAN),
        "is_principal": person.has_role(Role.PRINCIPAL),
    }
    return render(request, "web/home.html", context)
