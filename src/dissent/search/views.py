"""Pages: search, the similar-memo panel of the draft page (htmx), and likely duplicates."""

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dissent.errors import NotFound
from dissent.memos import queries as memo_queries
from dissent.memos import reads
from dissent.org.models import Person, Role

from . import similar
from .forms import DraftTextForm, SearchForm
from .queries import PAGE_SIZE, search
from .similarity import MemoText


def _person(request: HttpRequest) -> Person:
    assert isinstance(request.user, Person)
    return request.user


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, object] = {"form": form, "page_size": PAGE_SIZE}
    if request.GET:
        if not form.is_valid():
            return render(request, "search/search.html", context, status=400)
        query = form.query()
        results = search(_person(request), query)
        if results.texts:
            # A snippet shows part of the memo's text: that is a read, and it is recorded.
            with transaction.atomic():
                for hit in results.hits:
                    reads.record_read(_person(request), hit.memo, how="search")
        context.update(results=results, query=query, next_page=_page_link(request, query.page + 1))
        if query.page > 1:
            context["previous_page"] = _page_link(request, query.page - 1)
        if query.page * PAGE_SIZE >= results.total:
            context["next_page"] = None
    return render(request, "search/search.html", context)


def _page_link(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return "?" + params.urlencode()


@require_POST
def similar_panel(request: HttpRequest) -> HttpResponse:
    """The draft page posts its text here as it changes; the answer is the panel's HTML."""
    form = DraftTextForm(request.POST)
    if not form.is_valid():
        return render(request, "search/_similar.html", {"form_errors": form.errors}, status=400)
    data = form.cleaned_data
    text = MemoText(title=data["title"], summary=data["summary"], body=data["body"])
    enough = len(f"{text.title} {text.summary} {text.body}".split()) >= 5
    suggestions = similar.suggestions(_person(request), text, exclude=data.get("memo")) if enough else []
    return render(request, "search/_similar.html", {"suggestions": suggestions, "enough": enough})


@require_GET
def duplicates_page(request: HttpRequest) -> HttpResponse:
    """For custodians: memos in the queue that look like another memo."""
    person = _person(request)
    if not person.has_role(Role.CUSTODIAN):
        raise NotFound(_("There is no such page."))
    pairs = similar.duplicates(person, memo_queries.custodian_queue(person))
    return render(request, "search/duplicates.html", {"pairs": pairs})
