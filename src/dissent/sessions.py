"""The session engine: Django's database sessions, with the look-up every request makes in
plain SQL (dissent/rows.py). Set as SESSION_ENGINE."""

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from dissent import rows


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        try:
            found = rows.first(
                self.model, "session_key = %s AND expire_date > %s", [self.session_key, timezone.now()]
            )
        except SuspiciousOperation as error:
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            found = None
        if found is None:
            self._session_key = None
        return found
