"""Turning what a request says about code into one zip package.

``func_code.file`` is base64: of a zip, or of a single source file (kept as
``code_filename``, or as the handler's module). Empty means FunctionGraph's default
code. ``code_type`` obs reads the package from ``code_url`` as the caller.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace

from welkin.functions.errors import CodeTooLarge, InvalidCode, InvalidCodeType
from welkin.functions.models import CodeType
from welkin.functions.obs_code import ObsCodeReader
from welkin.functions.packages import looks_like_zip, single_file_package
from welkin.iam.models import Principal

DEFAULT_CODE = b"""# -*- coding:utf-8 -*-
import json


def handler(event, context):
    return {
        "statusCode": 200,
        "isBase64Encoded": False,
        "body": json.dumps(event),
        "headers": {"Content-Type": "application/json"},
    }
"""


@dataclass(frozen=True)
class CodeInput:
    code_type: CodeType | None  # None: keep the function's
    file: str | None  # base64, from func_code.file
    code_url: str | None
    code_filename: str | None


@dataclass(frozen=True)
class ReceivedCode:
    package: bytes
    code_type: CodeType
    code_url: str
    code_filename: str


def parse_code_type(value: str) -> CodeType:
    try:
        return CodeType(value)
    except ValueError:
        offered = ", ".join(c.value for c in CodeType)
        raise InvalidCodeType(f"code_type {value!r} is not supported here; use one of {offered}.") from None


class CodeSources:
    def __init__(self, obs: ObsCodeReader | None, max_package_bytes: int) -> None:
        self._obs = obs
        self.max_package_bytes = max_package_bytes

    async def receive(
        self, principal: Principal, given: CodeInput, handler: str, current: CodeType
    ) -> ReceivedCode:
        """The package ``given`` describes; ``current`` is the code type when it names none."""
        if given.code_type is None:
            given = replace(given, code_type=current)
        module_file = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
        if given.code_type is CodeType.OBS:
            if not given.code_url:
                raise InvalidCode("code_url is required when code_type is obs.")
            if self._obs is None:
                raise InvalidCodeType("Code from OBS is not available in this region.")
            data, name = await self._obs.read(principal, given.code_url, self.max_package_bytes)
            if not looks_like_zip(data):
                data = single_file_package(name, data)
            return ReceivedCode(data, CodeType.OBS, given.code_url, given.code_filename or name)
        if given.code_url:
            raise InvalidCode("code_url is only used when code_type is obs.")
        raw = self._decode(given.file or "")
        filename = given.code_filename or ""
        code_type = given.code_type or CodeType.INLINE
        if not raw:
            default = single_file_package("index.py", DEFAULT_CODE)
            return ReceivedCode(default, code_type, "", "index.py")
        if looks_like_zip(raw):
            return ReceivedCode(raw, code_type, "", filename or "code.zip")
        if code_type is CodeType.ZIP:
            raise InvalidCode("code_type is zip but func_code.file is not a zip file.")
        single = filename if filename.endswith(".py") else module_file.rsplit("/", 1)[-1]
        return ReceivedCode(single_file_package(single, raw), code_type, "", single)

    def _decode(self, text: str) -> bytes:
        # Base64 is 4/3 the size of what it carries: refuse before decoding an oversize one.
        # Line breaks (as `base64` writes every 76 characters) are not part of the data.
        if len(text) > ((self.max_package_bytes + 2) // 3 * 4) * 77 // 76 + 4:
            raise CodeTooLarge(f"The code package may be at most {self.max_package_bytes} bytes.")
        text = "".join(text.split())
        if len(text) > (self.max_package_bytes + 2) // 3 * 4 + 4:
            raise CodeTooLarge(f"The code package may be at most {self.max_package_bytes} bytes.")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCode("func_code.file is not valid base64.") from None
        if len(data) > self.max_package_bytes:
            raise CodeTooLarge(f"The code package may be at most {self.max_package_bytes} bytes.")
        return data
