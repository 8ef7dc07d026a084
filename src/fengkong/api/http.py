"""The two things every route needs: an orjson response and a JSON body read with exact
decimals (amounts are never parsed as binary floats)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi.responses import Response

from fengkong import jsonio


def json_response(content: Any, status: int = 200) -> Response:
    return Response(jsonio.dumps(content), status_code=status, media_type="application/json")


def decode_json(body: bytes) -> Any:
    """Raises ValueError (invalid JSON) or RecursionError (nested too deeply)."""
    return json.loads(body, parse_float=Decimal)
