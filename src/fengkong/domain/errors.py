"""The errors every layer shares. One kind of bad input for every service, route and command;
its subclasses say what kind of refusal it is, and the edges turn that into a status code."""

from __future__ import annotations


class FengkongError(Exception):
    """Base of the errors fengkong raises on purpose (anything else is a defect)."""


class InputError(FengkongError, ValueError):
    """Input that cannot be accepted; `field` names the culprit, `message` says what to change."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(InputError):
    """The thing named (an entry, a request, a token, a record) does not exist."""


class Unauthenticated(InputError):
    """No credential, or one that is unknown, expired, revoked or wrong: who is calling is not known."""

    def __init__(self, message: str):
        super().__init__("(authorization)", message)


class NotPermitted(InputError):
    """The actor may not do this (four-eyes rule, detokenization rights)."""


class Conflict(InputError):
    """The request contradicts the current state (already decided, already stored)."""


class TooLarge(InputError):
    """Input over a size limit (a body, a batch, a line): refused unread."""


class Unavailable(FengkongError):
    """A server fengkong depends on (database, Redis) does not answer."""

    def __init__(self, what: str, detail: str):
        super().__init__(f"{what} is unavailable: {detail}")
        self.what = what
        self.detail = detail


def required(**values: object) -> None:
    """Raise InputError for the first value that is missing or blank."""
    for name, value in values.items():
        if value is None or not str(value).strip():
            raise InputError(name, "is required")
