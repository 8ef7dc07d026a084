"""The peer this institution shares with, over HTTPS with mutual TLS: its member certificate
opens the connection, an API key the peer issued names the institution to the peer's API."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from fengkong.domain.errors import InputError, Unavailable

_TIMEOUT_S = 10.0


class HttpSharingHub:
    """SharingHub over the peer's `/v1/sharing/...` routes."""

    def __init__(self, url: str, *, ca_bundle: Path, certificate: Path, private_key: Path, credential: str):
        if not url.startswith("https://"):
            raise InputError("sharing_hub_url", "must be an https:// URL (reports travel over mutual TLS only)")
        context = ssl.create_default_context(cafile=str(ca_bundle))
        context.load_cert_chain(str(certificate), str(private_key))
        self._url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self._url,
            verify=context,
            timeout=_TIMEOUT_S,
            headers={"Authorization": f"Bearer {credential}"},
        )

    @property
    def url(self) -> str:
        return self._url

    def send(self, signed_report: Mapping[str, Any]) -> None:
        self._call("POST", "/v1/sharing/peer/reports", json=dict(signed_report))

    def feed(self, after: int, limit: int) -> Mapping[str, Any]:
        answer = self._call("GET", "/v1/sharing/peer/feed", params={"after": after, "limit": limit})
        if not isinstance(answer, dict) or not isinstance(answer.get("reports"), list):
            raise Unavailable("sharing hub", "its feed answer is not {reports: [...], next: n}")
        return answer

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise Unavailable("sharing hub", f"{self._url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise Unavailable("sharing hub", f"{self._url} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            field, message = _refusal(body, response.status_code)
            if response.status_code == 401 or field == "(authorization)":  # our credential, not the report
                raise Unavailable("sharing hub", f"{self._url} does not accept our credential: {message}")
            raise InputError(field, f"the sharing hub refused it ({response.status_code}): {message}")
        return body


def _refusal(body: Any, status: int) -> tuple[str, str]:
    """The field and message of the peer's error answer (our own error shape), or the status."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("field") or "(peer)"), str(error.get("message") or status)
    if isinstance(body, dict) and "detail" in body:
        return "(peer)", str(body["detail"])[:300]
    return "(peer)", f"status {status}"
