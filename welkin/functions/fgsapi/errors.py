"""Welkin's errors as FunctionGraph writes them: ``{"error_code": "FSS.xxxx", "error_msg": ...}``.

One table, most specific class first; the first class an error is an instance of wins.
Codes and statuses follow FunctionGraph's published error code list.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from welkin.core import errors
from welkin.functions import errors as fgs

_CODES: tuple[tuple[type[errors.WelkinError], str, int], ...] = (
    (fgs.FunctionNotFound, "FSS.1051", 404),
    (fgs.InvalidFunctionName, "FSS.1002", 400),
    (fgs.InvalidHandler, "FSS.1003", 400),
    (fgs.InvalidPackage, "FSS.1004", 400),
    (fgs.InvalidRuntime, "FSS.1005", 400),
    (fgs.InvalidCodeType, "FSS.1006", 400),
    (fgs.InvalidMemory, "FSS.1007", 400),
    (fgs.InvalidTimeout, "FSS.1008", 400),
    (fgs.InvalidUserData, "FSS.1009", 400),
    (fgs.InUse, "FSS.0428", 428),
    (errors.MalformedBody, "FSS.0406", 406),
    (errors.RequestTooLarge, "FSS.0413", 413),
    (errors.MethodNotAllowed, "FSS.0405", 405),
    (errors.BadRequest, "FSS.0400", 400),
    (errors.Unauthenticated, "FSS.0401", 401),
    (errors.AccessDenied, "FSS.0403", 403),
    (errors.TooManyRequests, "FSS.0429", 429),
    (fgs.FunctionDisabled, "FSS.0403", 403),
    (errors.QuotaExceeded, "FSS.0403", 403),
    (errors.NotFound, "FSS.0404", 404),
    (errors.Conflict, "FSS.0409", 409),
    (errors.Unavailable, "FSS.0503", 503),
)


def fss_code(error: errors.WelkinError) -> tuple[str, int]:
    for kind, code, status in _CODES:
        if isinstance(error, kind):
            return code, status
    return "FSS.0500", 500


def fgs_error(error: errors.WelkinError, req_id: str) -> Response:
    code, status = fss_code(error)
    body = {"error_code": code, "error_msg": error.message, "request_id": req_id}
    return JSONResponse(body, status_code=status, headers=error.headers or None)
