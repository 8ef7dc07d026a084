"""What every route needs: JSON answers (orjson), JSON bodies read with exact decimals (amounts
are never parsed as binary floats) under a size limit, and status codes that follow from the
type of error a service raised."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import Response

from fengkong import jsonio
from fengkong.domain.errors import Conflict, InputError, NotFound, NotPermitted, TooLarge, Unauthenticated, Unavailable
from fengkong.domain.validation import MAX_EVENT_BYTES

MAX_BODY_BYTES = 64 * MAX_EVENT_BYTES
# The numeric id of a stored row (list entry, change request) in a path: a positive 64-bit
# integer, the range of every backend's key column, so a longer number is refused (422) here
# instead of overflowing the database driver.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# The times a body may give (epoch seconds): 1970 up to (not including) the year 3000, so that
# every moment can be shown in any time zone (Python's datetime ends with the year 9999).

# Most specific first: each error type and the status code it answers with.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (Unauthenticated, 401),
    (NotFound, 404),
    (NotPermitted, 403),
    (Conflict, 409),
    (TooLarge, 413),
    (InputError, 422),
    (Unavailable, 503),
)


def json_response(content: Any, status: int = 200) -> Response:
    return Response(jsonio.dumps(content), status_code=status, media_type="application/json")


def status_of(error: Exception) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 500)


def error_response(error: InputError) -> Response:
    return json_response({"error": {"field": error.field, "message": error.message}}, status_of(error))


def decode_json(body: bytes) -> Any:
    """The one JSON decoder of the API. Raises InputError naming `(json)`."""
    try:
        return json.loads(body, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError("(json)", f"invalid JSON: {exc}") from None
    except RecursionError:
        raise InputError("(json)", "invalid JSON: nested too deeply") from None


async def read_body(request: Request) -> bytes:
    """The raw body, refused (TooLarge) when its declared length is over the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge("(body)", f"body over {MAX_BODY_BYTES:,} bytes")
    return await request.body()


async def read_object(request: Request) -> dict[str, Any]:
    """A JSON object body (an empty body is an empty object)."""
    data = decode_json(await read_body(request) or b"{}")
    if not isinstance(data, dict):
        raise InputError("(body)", "send a JSON object")
    return data


def text(data: dict[str, Any], name: str) -> str:
    """A body field as text ('' when absent): services say which are required."""
    value = data.get(name)
    return "" if value is None else str(value)


def optional_text(data: dict[str, Any], name: str) -> str | None:
    """A body field that is text when given (None when absent): any other JSON type is refused."""
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InputError(name, "must be text")


def optional_object(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A body field that is a JSON object when given (None when absent)."""
    value = data.get(name)
    if value is None or isinstance(value, dict):
        return value
    raise InputError(name, "must be a JSON object")


def moment(data: dict[str, Any], name: str) -> str | float | None:
    """A body field holding a time, as the services take it: ISO-8601 text, or epoch seconds from
    a JSON number (which this API decodes as int or Decimal); None when absent. Any other type is
    refused here naming the field; the service checks the time itself (offset, range)."""
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise InputError(name, "must be between 1970 and the year 3000") from None
    raise InputError(name, "must be an ISO-8601 time with a UTC offset, or epoch seconds")
