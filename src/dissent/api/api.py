"""The JSON API under /api/v1/: a personal access token (`Authorization: Bearer`, no CSRF
token needed) or the web session (CSRF token in X-CSRFToken)."""

from ninja import NinjaAPI
from ninja.security import django_auth

from . import errors, exports, log, memos, queue, responses, search
from .auth import TokenAuth

api = NinjaAPI(
    title="Dissent Channel API",
    version="1",
    description="Draft, co-sign and file dissent memos. Errors are RFC 9457 problem details.",
    # A request with a Bearer header is decided by the token alone, never by a session.
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)
errors.install(api)
api.add_router("/memos", memos.router)
api.add_router("", queue.router)
api.add_router("", responses.router)
api.add_router("/memos", exports.router)
api.add_router("/log", log.router)
api.add_router("", search.router)
