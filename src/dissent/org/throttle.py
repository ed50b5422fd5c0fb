"""Throttling failed sign-ins: django-axes' database handler, with a limit of its own for the
per-address count (settings.AXES_LOCKOUT_PARAMETERS lists account+address first, then the
address alone).

Axes compares the larger of its counts with one limit; a whole office behind one address
would then be locked out by five typing mistakes. Here the per-address count is scaled so
that it reaches AXES_FAILURE_LIMIT exactly when it reaches SIGNIN_ADDRESS_FAILURE_LIMIT.
"""

from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def _failures(attempts: QuerySet[Any]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class SignInThrottle(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        account_and_address, address = self.get_user_attempts(request, credentials)
        limit = settings.SIGNIN_FAILURE_LIMIT
        return max(
            _failures(account_and_address),
            _failures(address) * limit // settings.SIGNIN_ADDRESS_FAILURE_LIMIT,
        )

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """A successful sign-in clears that account's failures from that address, not the
        address's failures for other accounts."""
        account_and_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_and_address.delete()
        return int(count)

    def locked_until(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> datetime | None:
        """When this request's lock-out ends, or None if it is not locked out.

        A failure counts for the cool-off after the last failure of its row (axes keeps one
        row per account, address and browser), so the lock ends when the newest rows that
        reach the limit between them fall out of that window.
        """
        cool_off = get_cool_off(request)
        if cool_off is None:
            return None
        ends = []
        limits = [settings.SIGNIN_FAILURE_LIMIT, settings.SIGNIN_ADDRESS_FAILURE_LIMIT]
        for attempts, limit in zip(self.get_user_attempts(request, credentials), limits, strict=True):
            counted = 0
            for failures, attempt_time in attempts.order_by("-attempt_time").values_list(
                "failures_since_start", "attempt_time"
            ):
                counted += failures
                if counted >= limit:
                    ends.append(attempt_time + cool_off)
                    break
        return max(ends, default=None)
