"""What FunctionGraph accepts in a function's names and configuration, checked one field at a time."""

from __future__ import annotations

import json
import re

from welkin.core import errors
from welkin.functions.errors import (
    InvalidFunctionName,
    InvalidHandler,
    InvalidMemory,
    InvalidPackage,
    InvalidTimeout,
    InvalidUserData,
)
from welkin.functions.models import LATEST

MEMORY_SIZES = (128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096)
MIN_TIMEOUT, MAX_TIMEOUT = 3, 259_200
MIN_INITIALIZER_TIMEOUT, MAX_INITIALIZER_TIMEOUT = 1, 300
MIN_INSTANCES, MAX_INSTANCES = -1, 1000
DEFAULT_MAX_INSTANCES = 400
MAX_CONCURRENT_PER_INSTANCE = 1000
MAX_USER_DATA_CHARS = 4096
MAX_VERSIONS = 10
SECRET_MASK = "******"  # noqa: S105 - what a secret is shown as, not a secret

_FUNCTION_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])?")
_PACKAGE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HANDLER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_VERSION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,40}[A-Za-z0-9])?")
_ALIAS = re.compile(r"[A-Za-z](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def function_name(name: str) -> str:
    if not _FUNCTION_NAME.fullmatch(name):
        raise InvalidFunctionName(
            f"Function name {name!r} is invalid: 1-60 letters, digits, '_' and '-', "
            "starting with a letter and ending with a letter or digit."
        )
    return name


def package(name: str) -> str:
    if not _PACKAGE.fullmatch(name):
        raise InvalidPackage(f"Package {name!r} is invalid: 1-64 letters, digits, '_' and '-'.")
    return name


def handler(value: str, field: str = "handler") -> str:
    if len(value) > 128 or not _HANDLER.fullmatch(value):
        raise InvalidHandler(
            f"{field} {value!r} is invalid: write it as module.function (for example index.handler)."
        )
    return value


def memory_size(value: int) -> int:
    if value not in MEMORY_SIZES:
        sizes = ", ".join(str(m) for m in MEMORY_SIZES)
        raise InvalidMemory(f"memory_size {value} is not offered; choose one of {sizes} (MB).")
    return value


def timeout(value: int) -> int:
    if not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
        raise InvalidTimeout(f"timeout must be between {MIN_TIMEOUT} and {MAX_TIMEOUT} seconds, not {value}.")
    return value


def initializer_timeout(value: int) -> int:
    if not MIN_INITIALIZER_TIMEOUT <= value <= MAX_INITIALIZER_TIMEOUT:
        raise InvalidTimeout(
            f"initializer_timeout must be between {MIN_INITIALIZER_TIMEOUT} and "
            f"{MAX_INITIALIZER_TIMEOUT} seconds, not {value}."
        )
    return value


def max_instance_num(value: int) -> int:
    if not MIN_INSTANCES <= value <= MAX_INSTANCES:
        raise errors.InvalidArgument(
            f"max_instance_num must be between {MIN_INSTANCES} (no limit) and {MAX_INSTANCES}, not {value}."
        )
    return value


def concurrent_num(value: int) -> int:
    if not 1 <= value <= MAX_CONCURRENT_PER_INSTANCE:
        raise errors.InvalidArgument(
            f"concurrent_num (requests per instance) must be between 1 and {MAX_CONCURRENT_PER_INSTANCE}, "
            f"not {value}."
        )
    return value


def environment(text: str, field: str) -> dict[str, str]:
    """``user_data``-style text: a JSON object of names to string values ("" is none)."""
    if text == "":
        return {}
    if len(text) > MAX_USER_DATA_CHARS:
        raise InvalidUserData(f"{field} may be at most {MAX_USER_DATA_CHARS} characters.")
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidUserData(f'{field} must be a JSON object such as {{"NAME": "value"}}.') from None
    if not isinstance(value, dict):
        raise InvalidUserData(f'{field} must be a JSON object such as {{"NAME": "value"}}.')
    for name, item in value.items():
        if not _ENV_NAME.fullmatch(name):
            raise InvalidUserData(f"{field}: {name!r} is not a valid variable name.")
        if not isinstance(item, str):
            raise InvalidUserData(f"{field}: the value of {name} must be a string.")
    return value


def version_name(name: str) -> str:
    if name == LATEST or not _VERSION.fullmatch(name):
        raise errors.InvalidArgument(
            f"Version name {name!r} is invalid: 1-42 letters, digits, '.', '_' and '-', not 'latest'."
        )
    return name


def alias_name(name: str) -> str:
    if name == LATEST or not _ALIAS.fullmatch(name):
        raise errors.InvalidArgument(
            f"Alias name {name!r} is invalid: 1-64 letters, digits, '_' and '-', "
            "starting with a letter and ending with a letter or digit."
        )
    return name


def weights(values: dict[str, int], main_version: str) -> tuple[tuple[str, int], ...]:
    """``additional_version_weights``: at most one other version, with a percentage 0-100."""
    if len(values) > 1:
        raise errors.InvalidArgument("additional_version_weights may name at most one other version.")
    for version, weight in values.items():
        if version == main_version:
            raise errors.InvalidArgument(
                "additional_version_weights must name another version than the alias."
            )
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            raise errors.InvalidArgument("additional_version_weights values must be whole percentages 0-100.")
    return tuple(sorted(values.items()))
