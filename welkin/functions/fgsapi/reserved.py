"""Reserved instances: UpdateFunctionReservedInstancesCount and ListFunctionReservedInstances."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.functions import FUNCTION, FUNCTIONS, _number
from welkin.functions.reserved import ReservedInstances
from welkin.functions.reserved_store import Reservation
from welkin.functions.urns import parse_ref, version_urn

MAX_PAGE = 400


def _refuse_tactics(body: Body) -> None:
    """Scheduled (cron) and metric-driven reservations are not built: refused, not ignored."""
    tactics = body.opt_obj("tactics_config")
    if tactics is None:
        return
    for name in ("cron_configs", "metric_configs"):
        if tactics.peek(name):
            raise errors.InvalidArgument(
                f"tactics_config.{name} is not supported by Welkin: reserve a fixed count."
            )
    tactics.ignore("cron_configs", "metric_configs")
    tactics.done()


class ReservedHandlers:
    def __init__(self, ctx: FgsContext, reserved: ReservedInstances) -> None:
        self.ctx = ctx
        self.reserved = reserved

    def routes(self) -> list[Route]:
        return [
            Route(
                FUNCTIONS + "/reservedinstances",
                self.list,
                methods=["GET"],
                name="ListFunctionReservedInstances",
            ),
            Route(
                FUNCTION + "/reservedinstances",
                self.update,
                methods=["PUT"],
                name="UpdateFunctionReservedInstancesCount",
            ),
        ]

    def _urn(self, reservation: Reservation) -> str:
        r = reservation
        return version_urn(self.ctx.region, r.project_id, r.package, r.name, r.qualifier)

    async def update(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        count = body.opt_int("count", -(1 << 31), 1 << 31)
        if count is None:
            raise errors.InvalidArgument("count is required.")
        idle_mode = bool(body.opt_bool("idle_mode"))
        _refuse_tactics(body)
        body.done()
        saved = await self.reserved.set_count(scope, ref, count, idle_mode)
        tactics: dict[str, Any] = {"cron_configs": [], "metric_configs": []}
        return JSONResponse({"count": saved.count, "idle_mode": saved.idle_mode, "tactics_config": tactics})

    async def list(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        query = request.query_params
        offset = _number(query.get("marker"), "marker", 0)
        limit_text = query.get("limit") or ""
        if limit_text.startswith("-"):
            raise errors.InvalidArgument("limit must not be negative.")
        # As FunctionGraph: none, 0 or more than the most is the most.
        limit = min(_number(limit_text, "limit", MAX_PAGE), MAX_PAGE) or MAX_PAGE
        urn = query.get("urn") or None
        ref = parse_ref(urn, self.ctx.region, scope.project.id) if urn is not None else None
        found, total = await self.reserved.list(scope, ref, offset, limit)
        page = {"next_marker": offset + len(found), "previous_marker": offset, "current_count": len(found)}
        items = [{"func_urn": self._urn(r), "count": r.count} for r in found]
        return JSONResponse({"reservedinstances": items, "page_info": page, "count": total})
