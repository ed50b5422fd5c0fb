"""Who is asking: the client's address, for throttling failed sign-ins."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with CLIENT_IP_HEADER set (behind a reverse proxy that sets it), the
    last address in that header: the one the nearest proxy wrote. Earlier entries of an
    X-Forwarded-For come from the client and could be anything."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = str(request.META.get("HTTP_" + header.upper().replace("-", "_"), ""))
        last = value.rsplit(",", 1)[-1].strip()
        if last:
            return last[:45]
    return str(request.META.get("REMOTE_ADDR", ""))
