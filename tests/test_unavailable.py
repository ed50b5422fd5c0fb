"""While the database is away, answers are 503 with Retry-After, never 500 (the crash test,
bench/crash.py, checks it against a real PostgreSQL that is stopped; these check the shapes)."""

import json

from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from dissent.api.django_errors import server_error
from dissent.unavailable import RETRY_AFTER_SECONDS


def answer_while_the_database_fails(path: str) -> HttpResponse:
    request = RequestFactory().get(path)
    with translation.override("en"):
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            return server_error(request)


def test_a_page_says_the_channel_is_briefly_unavailable() -> None:
    response = answer_while_the_database_fails("/memos/1/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "cannot reach its database" in response.content.decode()


def test_the_api_answers_problem_details() -> None:
    response = answer_while_the_database_fails("/api/v1/memos")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 503


def test_any_other_error_is_still_a_500() -> None:
    request = RequestFactory().get("/memos/1/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
