"""Lists and maker-checker: entries, bulk import, removal requests and their approval."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from fengkong.api.auth import Guard
from fengkong.api.http import RowId, json_response, moment, read_body, read_object, text
from fengkong.api.schemas import answers, json_answer, ref, request_body
from fengkong.domain.access.principal import Principal
from fengkong.domain.access.roles import Permission as P
from fengkong.domain.lists.governance import rules_of
from fengkong.domain.lists.types import LIST_TYPES
from fengkong.services.blacklists import BlacklistService
from fengkong.services.lists import ListService

History = Annotated[bool, Query(alias="all", description="Ended entries too (removed or expired), with their end.")]

# The list a path names: described with its values (the service refuses any other, 422).
ListType = Annotated[str, Path(json_schema_extra={"enum": list(LIST_TYPES)})]


def build(lists: ListService, blacklists: BlacklistService, guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["lists"])

    @router.post(
        "/lists/{list_type}/entries",
        summary="Add a list entry (by event time: from starts_at, or after every event decided so far); "
        "on an industry blacklist, propose it on a ground (202: a second person approves)",
        status_code=201,
        responses={202: json_answer("proposed: the change request a second person approves")},
        openapi_extra=request_body(ref("ListEntryIn")),
    )
    async def add_entry(list_type: ListType, request: Request, who: Principal = guard(P.LISTS_WRITE)) -> Response:
        d = await read_object(request)
        if rules_of(list_type) is not None:
            proposed = blacklists.propose(
                list_type,
                text(d, "value"),
                ground=text(d, "ground"),
                evidence=text(d, "evidence"),
                source=text(d, "source"),
                maker=who.name,
                reason=text(d, "reason"),
            )
            return json_response(proposed.to_dict(), 202)
        entry = lists.add(
            list_type,
            text(d, "value"),
            actor=who.name,
            reason=text(d, "reason"),
            source=text(d, "source"),
            evidence=text(d, "evidence"),
            starts_at=moment(d, "starts_at"),
            expires_at=moment(d, "expires_at"),
        )
        return json_response(entry.to_dict(), 201)

    @router.get(
        "/lists/{list_type}/entries",
        summary="Entries for a value not ended yet; with all=true its whole history (shown masked)",
    )
    def find_entries(
        list_type: ListType, value: str, history: History = False, who: Principal = guard(P.LISTS_READ)
    ) -> Response:
        return json_response([e.to_dict() for e in lists.lookup(list_type, value, history=history)])

    @router.post(
        "/lists/{list_type}/entries:import",
        summary="Bulk import (CSV body: value,reason[,evidence,starts_at,expires_at,ended_at,amount,case_number,authority])",
        openapi_extra=request_body(ref("ListImportCsv"), "text/csv"),
    )
    async def import_entries(
        list_type: ListType, request: Request, source: str, who: Principal = guard(P.LISTS_WRITE)
    ) -> Response:
        csv_text = (await read_body(request)).decode("utf-8-sig", errors="replace")
        rows = lists.import_csv(list_type, io.StringIO(csv_text), actor=who.name, source=source)
        return json_response(
            {
                "added": sum(r.outcome == "added" for r in rows),
                "rows": [{"row": r.row, "value": r.value, "outcome": r.outcome, "message": r.message} for r in rows],
            }
        )

    @router.post(
        "/list-entries/{entry_id}:remove",
        summary="Request removal or release (needs a second person)",
        responses=answers(404),
        status_code=202,
        openapi_extra=request_body(ref("RemovalIn")),
    )
    async def remove_entry(entry_id: RowId, request: Request, who: Principal = guard(P.LISTS_WRITE)) -> Response:
        d = await read_object(request)
        removal = blacklists.request_removal(
            entry_id, ground=text(d, "ground"), maker=who.name, reason=text(d, "reason")
        )
        return json_response(removal.to_dict(), 202)

    @router.get("/blacklists:grounds", summary="The industry blacklists' entry and removal grounds, minimum terms")
    def grounds(who: Principal = guard(P.LISTS_READ)) -> Response:
        return json_response(blacklists.rules())

    @router.get("/changes", summary="Pending maker-checker requests")
    def pending(who: Principal = guard(P.CHANGES_DECIDE)) -> Response:
        return json_response([r.to_dict() for r in lists.pending()])

    @router.post(
        "/changes/{request_id}:approve",
        summary="Approve a request (the checker must not be the maker)",
        responses=answers(404, 409),
        openapi_extra=request_body(ref("CheckerNoteIn")),
    )
    async def approve(request_id: RowId, request: Request, who: Principal = guard(P.CHANGES_DECIDE)) -> Response:
        d = await read_object(request)
        return json_response(lists.approve(request_id, checker=who.name, note=text(d, "note")).to_dict())

    @router.post(
        "/changes/{request_id}:reject",
        summary="Reject a request",
        responses=answers(404, 409),
        openapi_extra=request_body(ref("CheckerNoteIn")),
    )
    async def reject(request_id: RowId, request: Request, who: Principal = guard(P.CHANGES_DECIDE)) -> Response:
        d = await read_object(request)
        return json_response(lists.reject(request_id, checker=who.name, note=text(d, "note")).to_dict())

    return router
