"""The JSON API under /api/v1/: a personal access token (`Authorization: Bearer`, no CSRF
token needed) or the web session (CSRF token in X-CSRFToken)."""

from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from . import anonymous, errors, exports, log, memos, openapi, queue, responses, search
from .auth import TokenAuth, session_auth
from .django_errors import answers_problems


class DissentAPI(NinjaAPI):
    """NinjaAPI whose every answer, its own included, is documented and in one shape."""

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = answers_problems(pattern.callback)
        return patterns

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return openapi.complete(document)


api = DissentAPI(
    title="Dissent Channel API",
    version="1",
    description="Draft, co-sign and file dissent memos. Every error is an RFC 9457 problem "
    "details object (application/problem+json).",
    # A request with a Bearer header is decided by the token alone, never by a session.
    auth=[TokenAuth(), session_auth],
    parser=errors.JsonParser(),
    urls_namespace="api",
)
errors.install(api)
api.add_router("/memos", memos.router)
api.add_router("", queue.router)
api.add_router("", responses.router)
api.add_router("/memos", exports.router)
api.add_router("/log", log.router)
api.add_router("", search.router)
api.add_router("", anonymous.router)
