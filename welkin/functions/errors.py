"""FunctionGraph's domain errors, placed in Welkin's error tree (welkin/core/errors.py).

The API edge (``fgsapi/errors.py``) maps each to FunctionGraph's ``FSS.xxxx`` codes.
"""

from __future__ import annotations

from welkin.core import errors


class FunctionNotFound(errors.NotFound):
    code = "FunctionNotFound"


class VersionNotFound(errors.NotFound):
    code = "VersionNotFound"


class AliasNotFound(errors.NotFound):
    code = "AliasNotFound"


class FunctionExists(errors.AlreadyExists):
    code = "FunctionExists"


class InvalidFunctionName(errors.InvalidArgument):
    code = "InvalidFunctionName"


class InvalidHandler(errors.InvalidArgument):
    code = "InvalidHandler"


class InvalidPackage(errors.InvalidArgument):
    code = "InvalidPackage"


class InvalidRuntime(errors.InvalidArgument):
    code = "InvalidRuntime"


class InvalidCodeType(errors.InvalidArgument):
    code = "InvalidCodeType"


class InvalidMemory(errors.InvalidArgument):
    code = "InvalidMemory"


class InvalidTimeout(errors.InvalidArgument):
    code = "InvalidTimeout"


class InvalidUserData(errors.InvalidArgument):
    code = "InvalidUserData"


class InvalidCode(errors.InvalidArgument):
    """A code package that is not usable: bad base64, not a zip, unsafe entries, too large unpacked."""

    code = "InvalidCode"


class CodeTooLarge(errors.RequestTooLarge):
    code = "CodeTooLarge"


class InUse(errors.Conflict):
    """Refused because something else still refers to it (an alias to a version)."""

    code = "InUse"
    status = 428


class FunctionDisabled(errors.Conflict):
    """``max_instance_num`` 0: FunctionGraph's way of switching a function off."""

    code = "FunctionDisabled"
    status = 403


class BadGateway(errors.WelkinError):
    """A function behind an HTTP trigger failed or answered with something that is not an HTTP response."""

    code = "BadGateway"
    status = 502
