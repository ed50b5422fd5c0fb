"""/api/v1/log: the published tree heads and proofs, open to anyone so that anyone can
keep copies and later demand proof that the log only grew. They carry hashes only."""

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from dissent.errors import InvalidInput, NotFound
from dissent.log import queries

from .memos import PUBLIC_ERRORS
from .schemas import MAX_ID

router = Router(tags=["log"])


class TreeHeadOut(Schema):
    tree_size: int
    root_hash: str = Field(description="Hex SHA-256 Merkle root (RFC 9162).")
    timestamp: int = Field(description="Milliseconds since the Unix epoch.")
    key_id: str = Field(description="SHA-256 of the log's raw Ed25519 public key, hex.")
    signature: str = Field(description="Base64 Ed25519 signature over the tree head's canonical JSON.")


class ConsistencyOut(Schema):
    first: int
    second: int
    proof: list[str]
    tree_head: TreeHeadOut | None = Field(
        description="The signed tree head of size `second`, if one was published."
    )


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    proof: list[str]


class PublicKeyOut(Schema):
    public_key: str = Field(description="Base64 raw Ed25519 public key.")
    key_id: str


class ConsistencyQuery(Schema):
    first: Annotated[int, Field(ge=0, le=MAX_ID)]
    second: Annotated[int, Field(ge=0, le=MAX_ID)]


class InclusionQuery(Schema):
    leaf_hash: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]
    tree_size: Annotated[int, Field(ge=1, le=MAX_ID)]


@router.get(
    "/sth", auth=None, response={200: TreeHeadOut, **PUBLIC_ERRORS}, summary="The latest signed tree head"
)
def latest_tree_head(request: HttpRequest) -> Any:
    head = queries.latest_tree_head()
    if head is None:
        raise NotFound(_("No tree head has been published yet."))
    return head


@router.get(
    "/tree-heads",
    auth=None,
    response={200: list[TreeHeadOut], **PUBLIC_ERRORS},
    summary="Published tree heads",
)
def tree_heads(
    request: HttpRequest,
    after: Annotated[int, Field(ge=-1, le=MAX_ID)] = -1,
    limit: Annotated[int, Field(ge=1, le=1000)] = 100,
) -> Any:
    return queries.tree_heads(after=after, limit=limit)


@router.get("/key", auth=None, response={200: PublicKeyOut}, summary="The log's public key")
def public_key(request: HttpRequest) -> Any:
    return queries.public_key()


@router.get(
    "/consistency", auth=None, response={200: ConsistencyOut, **PUBLIC_ERRORS}, summary="Consistency proof"
)
def consistency(request: HttpRequest, query: Query[ConsistencyQuery]) -> Any:
    if query.first > query.second:
        raise InvalidInput(_("first must not be larger than second."))
    return queries.consistency(query.first, query.second)


@router.get("/inclusion", auth=None, response={200: InclusionOut, **PUBLIC_ERRORS}, summary="Inclusion proof")
def inclusion(request: HttpRequest, query: Query[InclusionQuery]) -> Any:
    return queries.inclusion(bytes.fromhex(query.leaf_hash), query.tree_size)
