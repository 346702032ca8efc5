"""Access keys, temporary keys and agencies (``/v3.0/OS-CREDENTIAL``, ``/v3.0/OS-AGENCY``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.iam import actions
from welkin.iam.api import render
from welkin.iam.api.context import ApiContext
from welkin.iam.keys import MIN_TEMPORARY_SECONDS
from welkin.iam.models import Grant, KeyStatus, PrincipalType, ScopeType, TemporaryKey

_AGENCY_GRANT = "/v3.0/OS-AGENCY/{scope}/{scope_id}/agencies/{agency_id}/roles"
_SCOPES = {"projects": ScopeType.PROJECT, "domains": ScopeType.DOMAIN}


def _status(value: str | None) -> KeyStatus | None:
    if value is None:
        return None
    try:
        return KeyStatus(value)
    except ValueError:
        raise errors.InvalidArgument("credential.status must be active or inactive.") from None


def _duration(body: Body) -> str | None:
    """``duration``: FOREVER, ONEDAY or days; the SDK types it as an object, so days may be a number."""
    if isinstance(body.peek("duration"), int):
        days = body.opt_int("duration", 1, 365)
        return None if days is None else str(days)
    return body.opt_str("duration", 16)


def _temporary(key: TemporaryKey) -> dict[str, object]:
    return {
        "credential": {
            "access": key.access_key,
            "secret": key.secret_key,
            "securitytoken": key.security_token,
            "expires_at": render.iso(key.expires_at),
        }
    }


class KeyApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route(
                "/v3.0/OS-CREDENTIAL/credentials",
                self.create,
                methods=["POST"],
                name="CreatePermanentAccessKey",
            ),
            Route(
                "/v3.0/OS-CREDENTIAL/credentials",
                self.list_keys,
                methods=["GET"],
                name="ListPermanentAccessKeys",
            ),
            Route(
                "/v3.0/OS-CREDENTIAL/credentials/{ak}",
                self.show,
                methods=["GET"],
                name="ShowPermanentAccessKey",
            ),
            Route(
                "/v3.0/OS-CREDENTIAL/credentials/{ak}",
                self.update,
                methods=["PUT"],
                name="UpdatePermanentAccessKey",
            ),
            Route(
                "/v3.0/OS-CREDENTIAL/credentials/{ak}",
                self.delete,
                methods=["DELETE"],
                name="DeletePermanentAccessKey",
            ),
            Route(
                "/v3.0/OS-CREDENTIAL/securitytokens",
                self.temporary,
                methods=["POST"],
                name="CreateTemporaryAccessKey",
            ),
            Route("/v3.0/OS-AGENCY/agencies", self.create_agency, methods=["POST"], name="CreateAgency"),
            Route("/v3.0/OS-AGENCY/agencies", self.list_agencies, methods=["GET"], name="ListAgencies"),
            Route(
                "/v3.0/OS-AGENCY/agencies/{agency_id}", self.show_agency, methods=["GET"], name="ShowAgency"
            ),
            Route(
                "/v3.0/OS-AGENCY/agencies/{agency_id}",
                self.update_agency,
                methods=["PUT"],
                name="UpdateAgency",
            ),
            Route(
                "/v3.0/OS-AGENCY/agencies/{agency_id}",
                self.delete_agency,
                methods=["DELETE"],
                name="DeleteAgency",
            ),
            Route(_AGENCY_GRANT, self.agency_roles, methods=["GET"], name="ListAgencyPermissions"),
            Route(
                _AGENCY_GRANT + "/{role_id}",
                self.agency_grant,
                methods=["PUT"],
                name="AssociateAgencyWithPermission",
            ),
            Route(
                _AGENCY_GRANT + "/{role_id}",
                self.agency_check,
                methods=["HEAD"],
                name="CheckAgencyPermission",
            ),
            Route(
                _AGENCY_GRANT + "/{role_id}",
                self.agency_revoke,
                methods=["DELETE"],
                name="RemoveAgencyPermission",
            ),
        ]

    # --- permanent keys -------------------------------------------------------------------------
    async def create(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "credential")
        created = await self.ctx.iam.keys.create(
            principal, body.str("user_id", 64), body.opt_str("description", 255) or ""
        )
        body.done()
        rendered = {**render.credential(created.credential), "secret": created.secret_key}
        del rendered["last_use_time"]
        return JSONResponse({"credential": rendered}, status_code=201)

    async def list_keys(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        keys = await self.ctx.iam.keys.credentials(principal, request.query_params.get("user_id"))
        return JSONResponse({"credentials": [render.credential(k) for k in keys]})

    async def show(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        key = await self.ctx.iam.keys.get(principal, request.path_params["ak"])
        return JSONResponse({"credential": render.credential(key)})

    async def update(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "credential")
        key = await self.ctx.iam.keys.update(
            principal,
            request.path_params["ak"],
            _status(body.opt_str("status", 16)),
            body.opt_str("description", 255),
        )
        body.done()
        return JSONResponse({"credential": render.credential(key)})

    async def delete(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.keys.delete(principal, request.path_params["ak"])
        return Response(status_code=204)

    async def temporary(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        auth = await self.ctx.wrapped(request, "auth")
        identity = auth.obj("identity")
        auth.done()
        methods = identity.str_list("methods")
        if methods == ["token"]:
            token = identity.opt_obj("token")
            seconds = (
                token.opt_int("duration_seconds", 0, 1 << 31) if token else None
            ) or MIN_TEMPORARY_SECONDS
            if token is not None:
                token.ignore("id")
                token.done()
            identity.done()
            key = self.ctx.iam.keys.temporary_for(principal, seconds)
        elif methods == ["assume_role"]:
            role = identity.obj("assume_role")
            account_name = role.opt_str("domain_name", 64)
            account_id = role.opt_str("domain_id", 64)
            if account_name is None and account_id is None:
                raise errors.InvalidArgument("assume_role needs domain_name or domain_id.")
            agency = role.str("agency_name", 64)
            seconds = role.opt_int("duration_seconds", 0, 1 << 31) or MIN_TEMPORARY_SECONDS
            role.ignore("session_user", "policy", "policy_ids", "source_identity")
            role.done()
            identity.done()
            key = await self.ctx.iam.keys.assume(principal, account_name, agency, seconds, account_id)
        else:
            raise errors.InvalidArgument('identity.methods must be ["token"] or ["assume_role"].')
        return JSONResponse(_temporary(key), status_code=201)

    # --- agencies -------------------------------------------------------------------------------
    async def create_agency(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "agency")
        domain_id = body.str("domain_id", 64)
        if domain_id != principal.account_id:
            raise errors.AccessDenied("You can only manage your own account.")
        trust = body.opt_str("trust_domain_name", 64)
        if trust is None:
            raise errors.InvalidArgument("agency.trust_domain_name is required.")
        body.ignore("trust_domain_id")
        agency = await self.ctx.iam.keys.create_agency(
            principal,
            body.str("name", 64),
            trust,
            body.opt_str("description", 255) or "",
            _duration(body) or "FOREVER",
        )
        body.done()
        return JSONResponse({"agency": render.agency(agency)}, status_code=201)

    async def list_agencies(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        domain_id = request.query_params.get("domain_id")
        if domain_id is not None and domain_id != principal.account_id:
            raise errors.AccessDenied("You can only manage your own account.")
        agencies = await self.ctx.iam.keys.agencies(principal, request.query_params.get("name"))
        trust = request.query_params.get("trust_domain_id")
        if trust is not None:
            agencies = [a for a in agencies if a.trust_domain_id == trust]
        return JSONResponse({"agencies": [render.agency(a) for a in agencies]})

    async def show_agency(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        agency = await self.ctx.iam.keys.agency(principal, request.path_params["agency_id"])
        return JSONResponse({"agency": render.agency(agency)})

    async def update_agency(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "agency")
        body.ignore("trust_domain_id")
        agency = await self.ctx.iam.keys.update_agency(
            principal,
            request.path_params["agency_id"],
            body.opt_str("trust_domain_name", 64),
            body.opt_str("description", 255),
            _duration(body),
        )
        body.done()
        return JSONResponse({"agency": render.agency(agency)})

    async def delete_agency(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.keys.delete_agency(principal, request.path_params["agency_id"])
        return Response(status_code=204)

    def _agency_grant(self, request: Request, account_id: str) -> Grant:
        p = request.path_params
        if p["scope"] not in _SCOPES:
            raise errors.NotFound(f"No Welkin API at {request.url.path}.")
        scope = _SCOPES[p["scope"]]
        return Grant(
            account_id, PrincipalType.AGENCY, p["agency_id"], p.get("role_id", ""), scope, p["scope_id"]
        )

    async def agency_roles(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        grant = self._agency_grant(request, principal.account_id)
        roles = await self.ctx.iam.permissions.granted_roles(
            principal, grant, actions.IAM_LIST_ROLES_FOR_AGENCY
        )
        base = str(request.base_url).rstrip("/")
        return JSONResponse({"roles": [render.role(base, r) for r in roles]})

    async def agency_grant(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        grant = self._agency_grant(request, principal.account_id)
        await self.ctx.iam.permissions.grant(principal, grant, actions.IAM_GRANT_ROLE_TO_AGENCY)
        return Response(status_code=204)

    async def agency_check(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        grant = self._agency_grant(request, principal.account_id)
        if not await self.ctx.iam.permissions.has_grant(principal, grant, actions.IAM_CHECK_ROLE_FOR_AGENCY):
            raise errors.NotFound("The role is not granted there.")
        return Response(status_code=204)

    async def agency_revoke(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        grant = self._agency_grant(request, principal.account_id)
        await self.ctx.iam.permissions.revoke(principal, grant, actions.IAM_REVOKE_ROLE_FROM_AGENCY)
        return Response(status_code=204)
