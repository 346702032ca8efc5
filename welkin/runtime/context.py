"""The ``context`` a handler receives: FunctionGraph's getters and AWS Lambda's attributes.

Everything per invocation (request id, deadline, temporary credentials) lives on the context
object, never in globals or ``os.environ``, so concurrent requests in one instance cannot see
each other's credentials. ``FunctionInfo`` is what is fixed for the life of the instance.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FunctionInfo:
    urn: str
    name: str
    version: str
    package: str
    project_id: str
    memory_mb: int
    cpu_millicores: int
    timeout_s: float
    user_data: dict[str, str]


class RequestLogger:
    """FunctionGraph's ``context.getLogger()``: lines on stdout that carry the request id."""

    def __init__(self, request_id: str) -> None:
        self._request_id = request_id

    def _log(self, level: str, message: object) -> None:
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
        sys.stdout.write(f"{stamp} {self._request_id} {level} {message}\n")

    def debug(self, message: object) -> None:
        self._log("DEBUG", message)

    def info(self, message: object) -> None:
        self._log("INFO", message)

    def warn(self, message: object) -> None:
        self._log("WARN", message)

    warning = warn

    def error(self, message: object) -> None:
        self._log("ERROR", message)


class Context:
    """Handed to ``handler(event, context)`` and to the initializer (without a request)."""

    def __init__(
        self, info: FunctionInfo, request_id: str, deadline: float, credentials: tuple[str, str, str]
    ) -> None:
        self._info = info
        self._deadline = deadline  # time.monotonic() value
        self._access_key, self._secret_key, self._security_token = credentials
        # AWS Lambda's attributes, spelled as Lambda spells them.
        self.aws_request_id = request_id
        self.function_name = info.name
        self.function_version = info.version
        self.memory_limit_in_mb = str(info.memory_mb)
        self.invoked_function_arn = info.urn
        self.log_group_name = f"/welkin/functions/{info.package}/{info.name}"
        self.log_stream_name = request_id
        self.identity: Any = None
        self.client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    # FunctionGraph's getters.
    def getRequestID(self) -> str:
        return self.aws_request_id

    def getRemainingTimeInMilliSeconds(self) -> int:
        return self.get_remaining_time_in_millis()

    def getAccessKey(self) -> str:
        return self._access_key

    def getSecretKey(self) -> str:
        return self._secret_key

    def getSecurityToken(self) -> str:
        return self._security_token

    def getUserData(self, key: str, default: str | None = None) -> str | None:
        return self._info.user_data.get(key, default)

    def getFunctionName(self) -> str:
        return self._info.name

    def getVersion(self) -> str:
        return self._info.version

    def getMemorySize(self) -> int:
        return self._info.memory_mb

    def getCPUNumber(self) -> int:
        return self._info.cpu_millicores

    def getProjectID(self) -> str:
        return self._info.project_id

    def getPackage(self) -> str:
        return self._info.package

    def getLogger(self) -> RequestLogger:
        return RequestLogger(self.aws_request_id)
