"""The domain errors every action raises. Views and the API map each one to a message
and an HTTP status in one place each (web/middleware.py, api/errors.py)."""


class DissentError(Exception):
    """Base class: the message is written for the person who made the request. `reason`, when
    given, is a stable code a program can act on where one status covers several cases (the
    API sends it as the problem's `reason` member)."""

    status = 400

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class NotFound(DissentError):
    """The object does not exist, or the caller may not know that it does."""

    status = 404


class NotAllowed(DissentError):
    """The caller may see the object but may not do this to it."""

    status = 403


class InvalidState(DissentError):
    """The object is in a state where this cannot happen (e.g. signing a filed memo)."""

    status = 409


class AlreadyDone(DissentError):
    """Doing it again would change nothing (e.g. signing twice)."""

    status = 409


class InvalidInput(DissentError):
    """The input itself is wrong: too long, unknown names, missing fields."""

    status = 400
