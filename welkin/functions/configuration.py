"""A function's configuration: defaults, changes applied and checked, secrets sealed."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from welkin.core.clock import Clock
from welkin.functions import rules
from welkin.functions.models import CodeRevision, CodeType, FunctionConfig
from welkin.functions.runtimes import RuntimeCatalog
from welkin.iam.keyring import Keyring

T = TypeVar("T")


@dataclass(frozen=True)
class ConfigChanges:
    """Configuration a request sets; None leaves a field as it is (or at its default on create)."""

    runtime: str | None = None
    handler: str | None = None
    memory_size: int | None = None
    timeout: int | None = None
    user_data: str | None = None
    encrypted_user_data: str | None = None
    initializer_handler: str | None = None
    initializer_timeout: int | None = None
    max_instance_num: int | None = None
    concurrent_num: int | None = None
    disable_public_network: bool | None = None
    xrole: str | None = None
    app_xrole: str | None = None
    description: str | None = None


class Configuration:
    def __init__(self, runtimes: RuntimeCatalog, keyring: Keyring, clock: Clock) -> None:
        self._runtimes = runtimes
        self._keyring = keyring
        self._clock = clock

    def apply(self, current: FunctionConfig | None, changes: ConfigChanges) -> FunctionConfig:
        """``current`` with ``changes`` applied and checked (a new function's defaults when None)."""
        base = current or _DEFAULTS
        c = changes
        initializer = _or(c.initializer_handler, base.initializer_handler)
        config = replace(
            base,
            runtime=self._runtimes.check(_or(c.runtime, base.runtime)),
            handler=rules.handler(_or(c.handler, base.handler)),
            memory_size=rules.memory_size(_or(c.memory_size, base.memory_size)),
            timeout=rules.timeout(_or(c.timeout, base.timeout)),
            initializer_handler=rules.handler(initializer, "initializer_handler") if initializer else "",
            initializer_timeout=_or(c.initializer_timeout, base.initializer_timeout),
            max_instance_num=rules.max_instance_num(_or(c.max_instance_num, base.max_instance_num)),
            concurrent_num=rules.concurrent_num(_or(c.concurrent_num, base.concurrent_num)),
            disable_public_network=_or(c.disable_public_network, base.disable_public_network),
            xrole=_or(c.xrole, base.xrole),
            app_xrole=_or(c.app_xrole, base.app_xrole),
            description=_or(c.description, base.description),
            last_modified=self._clock.now(),
        )
        if config.initializer_handler:
            rules.initializer_timeout(config.initializer_timeout)
        if c.user_data is not None:
            rules.environment(c.user_data, "user_data")
            config = replace(config, user_data=c.user_data)
        if c.encrypted_user_data is not None:
            config = replace(config, encrypted_user_data=self._seal(c.encrypted_user_data, base))
        return config

    def _seal(self, text: str, base: FunctionConfig) -> str:
        """Encrypt ``encrypted_user_data``; a value left as the mask keeps the secret it hides."""
        values = rules.environment(text, "encrypted_user_data")
        if not values:
            return ""
        old = self.secrets(base)
        for name, value in values.items():
            if value == rules.SECRET_MASK and name in old:
                values[name] = old[name]
        return self._keyring.encrypt(json.dumps(values))

    def secrets(self, config: FunctionConfig) -> dict[str, str]:
        if not config.encrypted_user_data:
            return {}
        values: dict[str, str] = json.loads(self._keyring.decrypt(config.encrypted_user_data))
        return values


def _or(value: T | None, old: T) -> T:
    return old if value is None else value


_DEFAULTS = FunctionConfig(
    runtime="",
    handler="",
    memory_size=128,
    timeout=3,
    user_data="",
    encrypted_user_data="",
    initializer_handler="",
    initializer_timeout=0,
    max_instance_num=rules.DEFAULT_MAX_INSTANCES,
    concurrent_num=1,
    disable_public_network=False,
    xrole="",
    app_xrole="",
    description="",
    code_type=CodeType.INLINE,
    code_url="",
    code_filename="",
    code=CodeRevision("", "", 0, 0),
    last_modified=datetime.min.replace(tzinfo=UTC),
)
