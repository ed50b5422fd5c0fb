"""The session engine: Django's database sessions, kept in org.Session, which holds the
signed-in person beside the session's data. Every request reads the session and its person
in one plain-SQL query (dissent/rows.py) and hands the person to the authentication backend
for this request's get_user (org/backends.py), which otherwise reads it again. Set as
SESSION_ENGINE."""

import logging
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from dissent import rows
from dissent.org import backends
from dissent.org.models import Session


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = super().create_model_instance(data)
        assert isinstance(session, Session)
        signed_in = str(data.get(SESSION_KEY, ""))  # a person's id, as django.contrib.auth keeps it
        session.person_id = int(signed_in) if signed_in.isdigit() and len(signed_in) < 19 else None
        return session

    def _get_session_from_db(self) -> Any:
        try:
            found = rows.first_joined(
                Session,
                "t.session_key = %s AND t.expire_date > %s",
                [self.session_key, timezone.now()],
                related=("person",),
            )
        except SuspiciousOperation as error:
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            found = None
        if found is None:
            self._session_key = None
            backends.read_with_session(None)
            return None
        session = found[0]
        backends.read_with_session(session.person)
        return session
