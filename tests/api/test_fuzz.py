"""Fuzz every route of /api/v1/ with schemathesis, from the OpenAPI document, in process
through the WSGI app: valid and invalid requests, with an access token of each role, against
memos seeded in every state so that ids exist. No answer may be a 5xx, every answer must be
what the document says (a declared status, its media type, its body schema), an invalid
request must be refused with a 4xx, and a refused request must change nothing.

FUZZ_MAX_EXAMPLES bounds the examples per route and mode (default 30: about 1,900 requests in
all, which this test counts and checks); `make fuzz` runs it with many more."""

import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from dissent import clock
from dissent.events.models import Event
from dissent.log.sequencer import integrate_pending
from dissent.memos import actions, responses
from dissent.memos.models import Memo, MemoState, Signature, Visibility
from dissent.org import actions as org_actions
from dissent.org.models import Role, TokenScope

from ..conftest import Cast
from ..factories import make_memo, make_unit

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "30"))
#: The least number of requests the bounded run must make (issue 8).
MIN_REQUESTS = int(os.environ.get("FUZZ_MIN_REQUESTS", "1000"))

# Hypothesis keeps caches (and, unless told otherwise, an example database) in .hypothesis/
# of the working directory: keep them out of the checkout.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "dissent-hypothesis"))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app(db: None) -> Iterator[WSGIHandler]:
    """The project's WSGI app, called in this thread and so inside the test's transaction.
    Django closes the database connection at the end of each request, which inside a test
    transaction would roll it back; the test client stops that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def seed(cast: Cast) -> tuple[list[int], list[int]]:
    """Memos in every state (alice drafts, bob co-signs, carol is the custodian, paula the
    addressee), a meeting and a unit, so that the fuzzer's ids and names reach real objects."""
    make_unit("embassy")
    memos = {
        state: make_memo(
            state,
            drafter=cast.alice,
            addressee=cast.paula,
            custodian=cast.carol,
            invitees=[cast.bob, cast.ivan],
            signers=[(cast.bob, Visibility.PROTECTED)],
            title=f"Memo that is {state}",
        )
        for state in MemoState
    }
    meeting_memo = memos[MemoState.FILED]
    responses.set_meeting_preference(meeting_memo, cast.bob, open_to_meeting=True)
    meeting = responses.propose_meeting(
        meeting_memo, cast.paula, starts_at=clock.now() + timedelta(days=3), place="Room 4"
    )
    actions.add_reader(meeting_memo, cast.carol, username="erin", reason="She runs the programme.")
    integrate_pending()  # a signed tree head, so the log's routes have proofs to give
    return sorted(m.pk for m in memos.values()), [meeting.pk]


def role_tokens(cast: Cast) -> dict[str, str]:
    """A write token for someone in each role (two members: the drafter and a signer), and a
    read token, which every write must refuse."""
    people = {
        "member (drafter)": cast.alice,
        "member (signer)": cast.bob,
        str(Role.CUSTODIAN): cast.carol,
        str(Role.PRINCIPAL): cast.paula,
        str(Role.AUDITOR): cast.audrey,
        str(Role.ADMIN): cast.adam,
    }
    made = {
        name: org_actions.create_access_token(person, name="fuzz", scope=TokenScope.WRITE, days=1)[1]
        for name, person in people.items()
    }
    made["member (read token)"] = org_actions.create_access_token(
        cast.erin, name="fuzz", scope=TokenScope.READ, days=1
    )[1]
    return made


def realistic_bodies(memo_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Bodies a real client would send, beside the generated ones: random text seldom names
    a person, a marking or a unit, and so would seldom get past the first check."""
    starts_at = (clock.now() + timedelta(days=5)).isoformat()
    return {
        "POST /api/v1/memos": [
            {
                "title": "Change course on the war",
                "summary": "The policy is failing; we propose another.",
                "body": "## Why\n\nBecause.",
                "policy": "Regional policy",
                "addressee": "paula",
                "marking": "SBU",
            }
        ],
        "PATCH /api/v1/memos/{memo_id}": [{"title": "A sharper title"}, {"addressee": "peter"}],
        "POST /api/v1/memos/{memo_id}/invitations": [{"usernames": ["erin", "dave"]}],
        "PUT /api/v1/memos/{memo_id}/call": [{"unit": "embassy"}, {"unit": None}],
        "POST /api/v1/memos/{memo_id}/transitions": [
            {"to": to} for to in ("open", "filed", "closed", "withdrawn")
        ],
        "POST /api/v1/memos/{memo_id}/signatures": [{"visibility": "named"}, {"visibility": "protected"}],
        "POST /api/v1/memos/{memo_id}/extensions": [{"amount": 5, "reason": "Legal review."}],
        "POST /api/v1/memos/{memo_id}/addenda": [{"body": "A correction: the figure is 40%."}],
        "POST /api/v1/memos/{memo_id}/readers": [{"username": "erin", "reason": "She runs it."}],
        "POST /api/v1/memos/{memo_id}/acknowledgment": [{"text": ""}],
        "PUT /api/v1/memos/{memo_id}/reviewer": [{"username": "carol"}, {"username": "peter"}],
        "PUT /api/v1/memos/{memo_id}/reply": [{"text": "We have considered it.", "marking": "SBU"}],
        "PUT /api/v1/memos/{memo_id}/signatures/mine/meeting": [{"open_to_meeting": True}],
        "POST /api/v1/memos/{memo_id}/meetings": [{"starts_at": starts_at, "place": "Room 4"}],
        "POST /api/v1/meetings/{meeting_id}/answer": [{"accept": True}, {"accept": False}],
        "POST /api/v1/similar": [
            {"title": "Change course", "body": "The policy fails.", "exclude": memo_ids[0]}
        ],
    }


def case_strategy(
    operation: Any, mode: GenerationMode, ids: dict[str, list[int]], bodies: list[dict[str, Any]]
) -> st.SearchStrategy[Any]:
    """Cases for one operation: generated ones and, in positive mode, ones that name seeded
    objects (memo and meeting ids) and send realistic bodies."""
    names = [p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"]
    free = operation.as_strategy(generation_mode=mode)
    if not mode.is_positive or not (names or bodies):
        return free
    paths = [{names[0]: pk} for pk in ids[names[0]]] if names else [None]
    known = [
        operation.as_strategy(generation_mode=mode, path_parameters=path, **({"body": body} if body else {}))
        for path in paths
        for body in bodies or [None]
    ]
    return st.one_of(st.one_of(known), free)


#: schemathesis' defaults, and 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused as too
#: large before its fields are read (a negative case can make a long field longer still by
#: filling it with characters JSON escapes in six bytes each).
FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"],
            }
        }
    }
)


def stored() -> tuple[int, int, int]:
    """What an accepted request leaves behind: every action records an event."""
    return Event.objects.count(), Memo.objects.count(), Signature.objects.count()


def fuzz(
    strategy: st.SearchStrategy[Any],
    mode: GenerationMode,
    tokens: dict[str, str],
    requests: Counter[str],
    statuses: Counter[int],
) -> None:
    """Send up to MAX_EXAMPLES cases, each with one role's token, and check each answer; a
    refused request must also have changed nothing. Derandomized and with no example database,
    so a run is repeatable and writes nothing."""
    checks = CHECKS if mode.is_positive else [*CHECKS, negative_data_rejection]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, role=st.sampled_from(sorted(tokens)))
    def one(case: Any, role: str) -> None:
        before = stored()
        response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
        requests[case.operation.label] += 1
        statuses[response.status_code] += 1
        if os.environ.get("FUZZ_DEBUG"):
            print(
                "FUZZ",
                case.operation.label,
                role,
                response.status_code,
                case.body if case.body is not None else "",
                response.content[:150],
            )
        case.validate_response(response, checks=checks)
        if response.status_code >= 400:
            assert stored() == before, f"a refused request changed what is stored: {case.as_curl_command()}"

    one()


def test_every_route_answers_fuzzed_requests_as_documented(cast: Cast, wsgi_app: WSGIHandler) -> None:
    memo_ids, meeting_ids = seed(cast)
    tokens = role_tokens(cast)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, config=FUZZ_CONFIG)
    requests: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    bodies = realistic_bodies(memo_ids)
    started = time.monotonic()

    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        takes_input = bool(raw.get("parameters") or raw.get("requestBody"))
        # A route with no parameters and no body has nothing to make invalid.
        modes = (
            [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if takes_input else [GenerationMode.POSITIVE]
        )
        for mode in modes:
            ids = {"memo_id": memo_ids, "meeting_id": meeting_ids}
            strategy = case_strategy(operation, mode, ids, bodies.get(operation.label, []))
            try:
                fuzz(strategy, mode, tokens, requests, statuses)
            except (Exception, BaseExceptionGroup) as error:  # schemathesis' FailureGroup
                failures.append(f"{operation.label} ({mode}):\n{error}")

    elapsed = time.monotonic() - started
    total = sum(requests.values())
    print(
        f"\nfuzz: {total} requests over {len(requests)} routes in {elapsed:.1f} s; statuses {dict(statuses)}"
    )
    assert not failures, "\n\n".join(failures)
    documented = {op.ok().label for op in schema.get_all_operations()}
    assert set(requests) == documented
    assert set(bodies) <= documented
    assert total >= MIN_REQUESTS, f"only {total} requests generated; raise FUZZ_MAX_EXAMPLES"
