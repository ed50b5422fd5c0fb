"""/api/v1/queue and /api/v1/inbox: the custodians' and the addressees' lists."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from dissent.memos import policy, queries

from .memos import ERRORS, memo_out, person_of
from .schemas import MemoOut

router = Router(tags=["queues"])


@router.get(
    "/queue", response={200: list[MemoOut], **ERRORS}, summary="Custodians: filed memos, oldest first"
)
def custodian_queue(request: HttpRequest, limit: Annotated[int, Field(ge=1, le=500)] = 100) -> list[MemoOut]:
    person = person_of(request)
    return [
        memo_out(policy.remember_standing(m, person), person) for m in queries.custodian_queue(person)[:limit]
    ]


@router.get("/inbox", response={200: list[MemoOut], **ERRORS}, summary="Principals: memos filed to me")
def inbox(request: HttpRequest, limit: Annotated[int, Field(ge=1, le=500)] = 100) -> list[MemoOut]:
    person = person_of(request)
    return [
        memo_out(policy.remember_standing(m, person), person) for m in queries.addressed_to(person)[:limit]
    ]
