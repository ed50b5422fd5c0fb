"""/api/v1/search and /api/v1/similar: full-text search and similar-memo suggestions over
what the caller may see. Query parameters go through the same form as the search page, so the
page and the API accept and refuse the same things."""

from typing import Annotated

from django.db import transaction
from django.http import HttpRequest, QueryDict
from ninja import Query, Router, Schema
from pydantic import Field

from dissent.errors import InvalidInput
from dissent.memos import reads
from dissent.search import queries, similar
from dissent.search.forms import DraftTextForm, SearchForm, problems
from dissent.search.similarity import MemoText

from .memos import ERRORS, person_of, title_warnings_out
from .schemas import BodyIn, TitleWarningOut

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field("", max_length=200, description="Words to find; each must match, in any of its forms.")
    state: list[str] = Field(default_factory=list, description="Memo states to keep (repeatable).")
    marking: str = Field("", max_length=40, description="Marking code, e.g. SBU.")
    unit: str = Field(
        "", max_length=50, description="Code of the unit the memo came from (with its sub-units)."
    )
    since: str = Field("", max_length=10, description="Written on or after this date (YYYY-MM-DD).")
    until: str = Field("", max_length=10, description="Written on or before this date (YYYY-MM-DD).")
    policy: str = Field("", max_length=300, description="The policy questioned contains this text.")
    order: str = Field("relevance", max_length=10, description="relevance or newest.")
    page: Annotated[int, Field(ge=1, le=10_000)] = 1


class SearchHitOut(Schema):
    id: int
    title: str
    title_warnings: list[TitleWarningOut] = Field(description="As in a memo: how the title may deceive.")
    state: str
    marking: str
    signature_count: int
    title_html: str = Field(description="The title, HTML-escaped, with matching words in <mark>.")
    snippet_html: str = Field(description="Part of the text around the matches; empty for auditors.")


class SearchOut(Schema):
    total: int = Field(description="How many memos match, counted up to the newest 2,000.")
    more: bool = Field(description="True when more memos match than were counted: narrow the query.")
    page: int
    page_size: int
    texts_searched: bool = Field(description="False when only titles and policies were searched (auditors).")
    results: list[SearchHitOut]


class SimilarIn(BodyIn):
    title: str = ""
    summary: str = ""
    body: str = ""
    exclude: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        None, description="A memo id to leave out (the draft itself)."
    )


class SimilarOut(Schema):
    id: int
    title: str
    title_warnings: list[TitleWarningOut] = Field(description="As in a memo: how the title may deceive.")
    state: str
    score: float = Field(description="0 to 1: how much the two texts share.")
    shared: list[str] = Field(description="Words the two share, most telling first.")


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search the memos I may see")
def search(request: HttpRequest, params: Query[SearchParams]) -> SearchOut:
    data = QueryDict(mutable=True)
    for key, value in params.dict().items():
        if isinstance(value, list):
            data.setlist(key, value)
        elif value not in ("", None):
            data[key] = str(value)
    form = SearchForm(data)
    if not form.is_valid():
        raise InvalidInput(problems(form))
    person = person_of(request)
    results = queries.search(person, form.query())
    if results.texts:
        with transaction.atomic():
            for hit in results.hits:
                reads.record_read(person, hit.memo, how="search")
    return SearchOut(
        total=results.total,
        more=results.more,
        page=params.page,
        page_size=queries.PAGE_SIZE,
        texts_searched=results.texts,
        results=[
            SearchHitOut(
                id=hit.memo.pk,
                title=hit.memo.shown_title,
                title_warnings=title_warnings_out(hit.memo),
                state=hit.memo.state,
                marking=hit.memo.marking.code,
                signature_count=hit.memo.signature_count,  # type: ignore[attr-defined]
                title_html=str(hit.title),
                snippet_html=str(hit.snippet),
            )
            for hit in results.hits
        ],
    )


@router.post("/similar", response={200: list[SimilarOut], **ERRORS}, summary="Memos like this draft")
def similar_memos(request: HttpRequest, payload: SimilarIn) -> list[SimilarOut]:
    form = DraftTextForm({"title": payload.title, "summary": payload.summary, "body": payload.body})
    if not form.is_valid():
        raise InvalidInput(problems(form))
    data = form.cleaned_data
    text = MemoText(title=data["title"], summary=data["summary"], body=data["body"])
    found = similar.suggestions(person_of(request), text, exclude=payload.exclude)
    return [
        SimilarOut(
            id=s.memo.pk,
            title=s.memo.shown_title,
            title_warnings=title_warnings_out(s.memo),
            state=s.memo.state,
            score=round(s.score, 4),
            shared=s.shared,
        )
        for s in found
    ]
