"""Who may call what, over HTTP (contract v1.1 "Calling over HTTP"; issue 12): the anonymous
sweep, the role matrix, maker != checker by identity, detokenisation, reciprocity, people's
logins with initial passwords, lockout and TOTP, and the security headers."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import fengkong
from fengkong.api.app import create_app
from fengkong.api.limits import RateLimits
from fengkong.services.platform import Platform
from tests.access import bearer

# Open without a credential: the probes, the login itself and the API description.
OPEN = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"), ("POST", "/v1/sessions")}
ANY = "any"  # every authenticated caller (their own account)

# Each operation and the roles that may call it: the duties of issue 12, written out here on
# their own so that a change to the role table in the code is a change this test sees.
MATRIX: dict[tuple[str, str], set[str] | str] = {
    ("POST", "/v1/events"): {"client"},
    ("POST", "/v1/events:batch"): {"client"},
    ("GET", "/v1/rejected"): {"analyst", "supervisor"},
    ("GET", "/v1/holds"): {"analyst", "supervisor"},
    ("GET", "/v1/holds/{event_id}"): {"analyst", "supervisor"},
    ("POST", "/v1/holds/{event_id}:release"): {"analyst", "supervisor"},
    ("POST", "/v1/holds/{event_id}:decline"): {"analyst", "supervisor"},
    ("PUT", "/v1/customers/{customer_id}/limits"): {"client"},
    ("GET", "/v1/customers/{customer_id}/limits"): {"client", "analyst", "supervisor", "list_manager"},
    ("DELETE", "/v1/customers/{customer_id}/limits"): {"client"},
    ("PUT", "/v1/accounts/{account_id}/transfer-agreement"): {"client"},
    ("GET", "/v1/accounts/{account_id}/transfer-agreement"): {"client", "analyst", "supervisor", "list_manager"},
    ("DELETE", "/v1/accounts/{account_id}/transfer-agreement"): {"client"},
    ("POST", "/v1/lists/{list_type}/entries"): {"analyst", "list_manager"},
    ("GET", "/v1/lists/{list_type}/entries"): {"analyst", "supervisor", "list_manager"},
    ("GET", "/v1/blacklists:grounds"): {"analyst", "supervisor", "list_manager"},
    ("POST", "/v1/lists/{list_type}/entries:import"): {"analyst", "list_manager"},
    ("POST", "/v1/list-entries/{entry_id}:remove"): {"analyst", "list_manager"},
    ("GET", "/v1/changes"): {"supervisor", "list_manager"},
    ("POST", "/v1/changes/{request_id}:approve"): {"supervisor", "list_manager"},
    ("POST", "/v1/changes/{request_id}:reject"): {"supervisor", "list_manager"},
    ("POST", "/v1/stop-payments"): {"supervisor"},
    ("POST", "/v1/freezes"): {"supervisor"},
    ("POST", "/v1/penalties/rented-accounts"): {"supervisor"},
    ("POST", "/v1/penalties/{entry_id}:change"): {"supervisor"},
    ("GET", "/v1/penalties/report"): {"analyst", "supervisor"},
    ("POST", "/v1/exports"): {"analyst", "supervisor"},
    ("POST", "/v1/requests"): {"client"},
    ("POST", "/v1/trace"): {"analyst", "supervisor"},
    ("POST", "/v1/trace:stop"): {"supervisor"},
    ("GET", "/v1/audit"): {"auditor"},
    ("GET", "/v1/audit:verify"): {"auditor"},
    ("POST", "/v1/sharing/reports"): {"client", "analyst", "member"},
    ("POST", "/v1/sharing/queries"): {"client", "analyst", "member"},
    ("POST", "/v1/sharing/peer/reports"): {"client", "analyst", "member"},
    ("GET", "/v1/sharing/peer/feed"): {"client", "analyst", "member"},
    ("POST", "/v1/tokens"): {"client", "secops"},
    ("GET", "/v1/tokens/{token}"): {"client", "analyst", "supervisor", "secops"},
    ("POST", "/v1/tokens/{token}:suspend"): {"client", "secops"},
    ("POST", "/v1/tokens/{token}:resume"): {"client", "secops"},
    ("DELETE", "/v1/tokens/{token}"): {"client", "secops"},
    ("POST", "/v1/tokens/{token}:detokenize"): {"secops"},
    ("POST", "/v1/passwords:check"): {"client"},
    ("POST", "/v1/merchants"): {"client"},
    ("POST", "/v1/terminals"): {"client"},
    ("GET", "/v1/merchants/{merchant_id}"): {"client", "analyst", "supervisor", "list_manager", "secops"},
    ("GET", "/v1/terminals/{terminal_id}"): {"client", "analyst", "supervisor", "list_manager", "secops"},
    ("GET", "/v1/merchants:clusters"): {"client", "analyst", "supervisor", "list_manager", "secops"},
    ("POST", "/v1/terminal-samples"): {"secops"},
    ("GET", "/v1/terminal-samples"): {"client", "analyst", "supervisor", "list_manager", "secops"},
    ("POST", "/v1/terminals/{terminal_id}/spot-checks"): {"secops"},
    ("GET", "/v1/terminal-checks:schedule"): {"client", "analyst", "supervisor", "list_manager", "secops"},
    ("POST", "/v1/terminals/{terminal_id}/keys"): {"secops"},
    ("GET", "/v1/terminal-keys:report"): {"secops", "supervisor"},
    ("GET", "/v1/audit/access-report"): {"auditor"},
    ("GET", "/v1/rules"): {"analyst", "supervisor"},
    ("POST", "/v1/rules:reload"): {"supervisor"},
    ("DELETE", "/v1/sessions/current"): ANY,
    ("GET", "/v1/me"): ANY,
    ("POST", "/v1/me/password"): ANY,
    ("POST", "/v1/me/totp"): ANY,
    ("POST", "/v1/me/totp:confirm"): ANY,
    ("POST", "/v1/keys"): {"admin"},
    ("GET", "/v1/keys"): {"admin"},
    ("POST", "/v1/keys/{key_id}:rotate"): {"admin"},
    ("POST", "/v1/keys/{key_id}:revoke"): {"admin"},
    ("POST", "/v1/users"): {"admin"},
    ("GET", "/v1/users"): {"admin"},
    ("PUT", "/v1/users/{username}/roles"): {"admin"},
    ("POST", "/v1/users/{username}:disable"): {"admin"},
    ("POST", "/v1/users/{username}:enable"): {"admin"},
    ("POST", "/v1/users/{username}:reset-password"): {"admin"},
}
UNLIMITED = RateLimits(1e9, 1e9, 1e9, 1e9)  # the sweeps send hundreds of anonymous calls at once
ROLES = ("client", "analyst", "supervisor", "list_manager", "secops", "auditor", "admin", "member")
PLACEHOLDERS = {"list_type": "device", "entry_id": "999999", "request_id": "999999"}


def _operations(platform: Platform) -> list[tuple[str, str]]:
    """Every operation the API describes (what a client generated from /openapi.json can call)."""
    paths = create_app(platform).openapi()["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item)


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "nothing-here"), path)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None) -> int:
    body = None if method in ("GET", "DELETE") else {}
    query = {"reason": "matrix", "source": "test", "value": "x", "approval": "1"}
    query |= {"since": "2026-01-01T00:00:00+08:00", "until": "2026-07-01T00:00:00+08:00"}
    query |= {"limit": "0"}  # refused before the service: the sharing feed's reciprocity 403 is not a role's
    return client.request(method, _concrete(path), json=body, params=query, headers=headers).status_code


@pytest.fixture
def platform() -> Iterator[Platform]:
    with fengkong.in_memory() as built:
        yield built


def test_every_operation_is_in_the_role_matrix(platform: Platform) -> None:
    operations = set(_operations(platform))
    assert operations - OPEN == set(MATRIX), "a new operation needs its row in MATRIX"


def test_a_server_without_credentials_answers_every_call_401(platform: Platform) -> None:
    """Contract v1.1: it starts, and answers 401 until the first key or user exists."""
    assert not platform.access.has_credentials()
    with TestClient(create_app(platform, rate_limits=UNLIMITED)) as client:
        for method, path in _operations(platform):
            if (method, path) in OPEN - {("POST", "/v1/sessions")}:
                continue
            response = client.request(method, _concrete(path), json={} if method in ("POST", "PUT") else None)
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_anonymous_sweep_with_credentials_in_place(platform: Platform) -> None:
    """Keys exist; a caller without one, with a made-up one or with a mangled one is refused."""
    real = bearer(platform, "client")["Authorization"]
    forged = (None, "Bearer ", "Bearer fk_0000000000000000_forged", real[:-3] + "abc", "Basic dXNlcjpwYXNz", real[7:])
    with TestClient(create_app(platform, rate_limits=UNLIMITED)) as client:
        for method, path in MATRIX:
            for header in forged:
                status = _call(client, method, path, {"Authorization": header} if header else None)
                assert status == 401, (method, path, header)


@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix(platform: Platform, role: str) -> None:
    """Each role on each operation: 403 exactly where the duty is not theirs, never 401."""
    headers = bearer(platform, role)
    with TestClient(create_app(platform), headers=headers) as client:
        for (method, path), allowed in MATRIX.items():
            status = _call(client, method, path)
            if allowed == ANY or role in allowed:
                assert status not in (401, 403), (role, method, path, status)
            else:
                assert status == 403, (role, method, path, status)


def _entry_with_removal_request(client: TestClient) -> int:
    added = client.post(
        "/v1/lists/device/entries", json={"value": "dev-77", "reason": "fraud ring", "source": "case 7"}
    )
    assert added.status_code == 201, added.text
    asked = client.post(f"/v1/list-entries/{added.json()['id']}:remove", json={"reason": "cleared by police"})
    assert asked.status_code == 202, asked.text
    return int(asked.json()["id"])


def test_maker_and_checker_are_told_apart_by_identity_not_by_a_body_field(platform: Platform) -> None:
    app = create_app(platform)
    alice, bob = bearer(platform, "list_manager", label="alice"), bearer(platform, "list_manager", label="bob")
    with TestClient(app, headers=alice) as as_alice, TestClient(app, headers=bob) as as_bob:
        change = _entry_with_removal_request(as_alice)
        own = as_alice.post(f"/v1/changes/{change}:approve", json={"checker": "alice2", "note": "looks fine"})
        assert own.status_code == 403
        assert as_bob.post(f"/v1/changes/{change}:approve", json={"note": "checked"}).status_code == 200
        # removed means ended, not deleted: gone from what is in force, kept in the history with its end
        assert as_bob.get("/v1/lists/device/entries", params={"value": "dev-77"}).json() == []
        (kept,) = as_bob.get("/v1/lists/device/entries", params={"value": "dev-77", "all": "true"}).json()
        assert kept["ended_at"] is not None and kept["expires_at"] is None
        alice_name, bob_name = as_alice.get("/v1/me").json()["name"], as_bob.get("/v1/me").json()["name"]
    actors = {(r.action, r.actor) for r in platform.audit.records()}
    assert any(action.startswith("request.") and actor == alice_name for action, actor in actors), actors
    assert ("request.refused_same_person", alice_name) in actors
    assert any(action.startswith("approve.") and actor == bob_name for action, actor in actors), actors
    assert "alice2" not in {actor for _, actor in actors}


PAN = "6222021234567890128"


def test_detokenisation_needs_secops_and_a_reason_and_is_audited(platform: Platform) -> None:
    app = create_app(platform)
    secops, analyst = bearer(platform, "secops"), bearer(platform, "analyst")
    with TestClient(app, headers=secops) as as_secops, TestClient(app, headers=analyst) as as_analyst:
        token = as_secops.post("/v1/tokens", json={"card_number": PAN, "reason": "wallet"}).json()["token"]
        refused = as_analyst.post(f"/v1/tokens/{token}:detokenize", json={"purpose": "curious", "actor": "secops"})
        assert refused.status_code == 403
        assert as_secops.post(f"/v1/tokens/{token}:detokenize", json={}).status_code == 422
        shown = as_secops.post(f"/v1/tokens/{token}:detokenize", json={"purpose": "chargeback 2231"})
        assert shown.status_code == 200 and shown.json()["card_number"] == PAN
        secops_name = as_secops.get("/v1/me").json()["name"]
        analyst_name = as_analyst.get("/v1/me").json()["name"]
    rows = [(r.action, r.actor, r.reason) for r in platform.audit.records() if "detokenize" in r.action]
    assert ("token.detokenize_refused", analyst_name, "curious") in rows
    assert ("token.detokenize", secops_name, "chargeback 2231") in rows


def test_sharing_uses_the_institution_of_the_credential(platform: Platform) -> None:
    app = create_app(platform)
    with TestClient(app, headers=bearer(platform, "client", institution="bank-a")) as bank_a:
        as_other = bank_a.post(
            "/v1/sharing/queries", json={"institution_id": "bank-b", "subject_type": "phone", "value": "13800138000"}
        )
        assert as_other.status_code == 403
        reported = bank_a.post(
            "/v1/sharing/reports", json={"subject_type": "phone", "value": "13800138000", "risk_type": "telecom_fraud"}
        )
        assert reported.status_code == 201
        asked = bank_a.post("/v1/sharing/queries", json={"subject_type": "phone", "value": "13800138000"})
        assert asked.status_code == 200, asked.text
    with TestClient(app, headers=bearer(platform, "client", institution="bank-c")) as bank_c:
        never_reported = bank_c.post("/v1/sharing/queries", json={"subject_type": "phone", "value": "13800138000"})
        assert never_reported.status_code == 403


def _admin(platform: Platform) -> dict[str, str]:
    return bearer(platform, "admin", label="first admin")


def test_a_person_logs_in_changes_the_initial_password_and_enrols_totp(platform: Platform) -> None:
    from fengkong.adapters.crypto.login_secrets import TotpCodes

    with TestClient(create_app(platform)) as client:
        made = client.post("/v1/users", json={"username": "wang.li", "roles": ["analyst"]}, headers=_admin(platform))
        assert made.status_code == 201 and made.json()["must_change_password"] is True
        initial = made.json()["initial_password"]
        assert initial not in str(client.get("/v1/users", headers=_admin(platform)).json())

        token = client.post("/v1/sessions", json={"username": "wang.li", "password": initial}).json()["token"]
        me = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/holds", headers=me).status_code == 403  # initial password: change it first
        weak = client.post(
            "/v1/me/password", headers=me, json={"current_password": initial, "new_password": "P@ssw0rd2024!"}
        )
        assert weak.status_code == 422 and "common word" in weak.json()["error"]["message"]
        assert "P@ssw0rd" not in weak.text
        good = "Gx7#kLm2Qz9w"
        changed = client.post("/v1/me/password", headers=me, json={"current_password": initial, "new_password": good})
        assert changed.status_code == 200, changed.text
        assert client.get("/v1/holds", headers=me).status_code == 200

        uri = client.post("/v1/me/totp", headers=me).json()["otpauth_uri"]
        found = re.search(r"secret=([A-Z2-7]+)", uri)
        assert found is not None, uri
        seed = base64.b32decode(found.group(1) + "=" * (-len(found.group(1)) % 8))
        assert client.post("/v1/me/totp:confirm", headers=me, json={"code": "000000"}).status_code == 422
        code = TotpCodes.code(seed, time.time())
        assert client.post("/v1/me/totp:confirm", headers=me, json={"code": code}).status_code == 200

        without = client.post("/v1/sessions", json={"username": "wang.li", "password": good})
        assert without.status_code == 401
        replayed = client.post("/v1/sessions", json={"username": "wang.li", "password": good, "code": code})
        assert replayed.status_code == 401  # the code that confirmed the enrolment is spent
        following = TotpCodes.code(seed, time.time() + 30)  # the next code (one step of drift is allowed)
        with_code = client.post("/v1/sessions", json={"username": "wang.li", "password": good, "code": following})
        assert with_code.status_code == 201
        again = client.post("/v1/sessions", json={"username": "wang.li", "password": good, "code": following})
        assert again.status_code == 401  # and so is each code once used

        assert client.delete("/v1/sessions/current", headers=me).status_code == 200
        assert client.get("/v1/me", headers=me).status_code == 401
    logins = [r.action for r in platform.audit.records() if r.action.startswith("access.login")]
    assert logins.count("access.login") == 2 and logins.count("access.login_failed") == 3


def test_five_wrong_passwords_lock_the_account(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        made = client.post("/v1/users", json={"username": "zhao", "roles": ["supervisor"]}, headers=_admin(platform))
        initial = made.json()["initial_password"]
        for _ in range(5):
            assert (
                client.post("/v1/sessions", json={"username": "zhao", "password": "Wrong-guess-42"}).status_code == 401
            )
        locked = client.post("/v1/sessions", json={"username": "zhao", "password": initial})
        assert locked.status_code == 401 and "locked" in locked.json()["error"]["message"]
        unknown = client.post("/v1/sessions", json={"username": "nobody", "password": initial})
        assert unknown.json()["error"]["message"] == "wrong user name or password"


def test_revoking_a_key_and_disabling_a_user_take_effect_at_once(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        admin = _admin(platform)
        made = client.post(
            "/v1/keys", headers=admin, json={"label": "core", "institution": "bank-a", "roles": ["client"], "days": 30}
        )
        key = {"Authorization": f"Bearer {made.json()['api_key']}"}
        assert client.get("/v1/me", headers=key).json()["institution"] == "bank-a"
        revoked = client.post(f"/v1/keys/{made.json()['key_id']}:revoke", headers=admin, json={"reason": "leaked"})
        assert revoked.status_code == 200
        assert client.get("/v1/me", headers=key).status_code == 401
        assert made.json()["api_key"] not in str(client.get("/v1/keys", headers=admin).json())


def test_a_rotated_key_keeps_working_for_the_overlap_only(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        admin = _admin(platform)
        old = client.post("/v1/keys", headers=admin, json={"label": "acq", "institution": "acq-1", "roles": ["client"]})
        key_id = old.json()["key_id"]
        new = client.post(f"/v1/keys/{key_id}:rotate", headers=admin, json={"overlap_hours": 0})
        assert new.status_code == 201 and new.json()["roles"] == ["client"]
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {old.json()['api_key']}"}).status_code == 401
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {new.json()['api_key']}"}).status_code == 200


def test_incompatible_duties_are_refused(platform: Platform) -> None:
    with TestClient(create_app(platform), headers=_admin(platform)) as client:
        both = client.post("/v1/users", json={"username": "li.audit", "roles": ["auditor", "analyst"]})
        assert both.status_code == 422 and "incompatible" in both.json()["error"]["message"]


def test_every_answer_carries_the_security_headers(platform: Platform) -> None:
    with TestClient(create_app(platform)) as client:
        for response in (client.get("/health"), client.get("/v1/rules"), client.get("/openapi.json")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_guessing_credentials_is_held_to_the_anonymous_rate(platform: Platform) -> None:
    """Each made-up key is a new guess: they share their address's small bucket, while a verified
    key keeps its own."""
    real = bearer(platform, "client")
    limits = RateLimits(per_credential=1000, credential_burst=1000, anonymous=1, anonymous_burst=5)
    with TestClient(create_app(platform, rate_limits=limits)) as client:
        assert client.get("/v1/me", headers=real).status_code == 200  # verified from now on
        answers = [
            client.get("/v1/me", headers={"Authorization": f"Bearer fk_{i:016x}_guess"}).status_code for i in range(8)
        ]
        assert answers[:4] == [401] * 4 and answers[-1] == 429
        limited = client.post("/v1/sessions", json={"username": "x", "password": "y"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert [client.get("/v1/me", headers=real).status_code for _ in range(20)] == [200] * 20


def test_a_body_over_the_limit_is_refused_declared_or_streamed(platform: Platform) -> None:
    from fengkong.api.http import MAX_BODY_BYTES

    def chunks() -> Iterator[bytes]:
        block = b" " * (1 << 20)
        for _ in range(MAX_BODY_BYTES // len(block) + 2):
            yield block

    with TestClient(create_app(platform), headers=bearer(platform, "client")) as client:
        declared = client.post("/v1/events", content=b"{}", headers={"content-length": str(MAX_BODY_BYTES + 1)})
        assert declared.status_code == 413
        streamed = client.post("/v1/events:batch", content=chunks())
        assert streamed.status_code == 413 and streamed.json()["error"]["field"] == "(body)"


def test_terminal_key_custody_and_the_access_report_over_http(platform: Platform) -> None:
    app = create_app(platform)
    client_key, secops, auditor = bearer(platform, "client"), bearer(platform, "secops"), bearer(platform, "auditor")
    with TestClient(app) as http:
        for terminal in ("T1", "T2"):
            made = http.post("/v1/terminals", headers=client_key, json={"terminal_id": terminal, "certified": True})
            assert made.status_code == 201, made.text
        first = http.post("/v1/terminals/T1/keys", headers=secops, json={"kcv": "0a1b2c", "version": "1"})
        assert first.status_code == 201 and first.json()["findings"] == []
        second = http.post("/v1/terminals/T2/keys", headers=secops, json={"kcv": "0A1B2C", "version": "1"})
        assert [f["code"] for f in second.json()["findings"]] == ["TERMINAL_KEY_SHARED"]
        assert (
            http.post("/v1/terminals/T2/keys", headers=client_key, json={"kcv": "ffffff", "version": "2"}).status_code
            == 403
        )
        report = http.get("/v1/terminal-keys:report", headers=secops).json()
        assert {(f["code"], f["terminal_id"]) for f in report["findings"]} == {
            ("TERMINAL_KEY_SHARED", "T1"),
            ("TERMINAL_KEY_SHARED", "T2"),
        }
        token = http.post("/v1/tokens", headers=secops, json={"card_number": PAN, "reason": "wallet"}).json()["token"]
        http.post(f"/v1/tokens/{token}:detokenize", headers=secops, json={"purpose": "chargeback 88"})
        window = {"since": "2000-01-01T00:00:00+08:00", "until": "2999-01-01T00:00:00+08:00"}
        access = http.get("/v1/audit/access-report", headers=auditor, params=window).json()
        secops_name = http.get("/v1/me", headers=secops).json()["name"]
        assert any(r["actor"] == secops_name and r["action"] == "token.detokenize" for r in access["rows"])
        assert any(r["action"] == "alert.terminal_key_shared" for r in access["rows"])
        assert http.get("/v1/audit/access-report", headers=secops, params=window).status_code == 403


def test_metrics_ask_for_their_own_token_when_one_is_set(platform: Platform) -> None:
    with TestClient(create_app(platform, metrics_token="s3cr3t-metrics")) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        # the in-memory platform collects no metrics: past the token, it says so
        assert client.get("/metrics", headers={"Authorization": "Bearer s3cr3t-metrics"}).status_code == 404
    with TestClient(create_app(platform)) as client:
        assert client.get("/metrics").status_code == 404  # no token set: open, like the probes
