"""A trigger as stored: which function it invokes, its kind, its state and its event data.

``event_data`` is the validated JSON object the client sent (see ``event_data.py``),
kept as FunctionGraph shows it back; the fields the sources need are read from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from welkin.functions.urns import FunctionRef


class TriggerType(enum.Enum):
    TIMER = "TIMER"
    APIG = "APIG"
    DEDICATEDGATEWAY = "DEDICATEDGATEWAY"  # APIG's dedicated gateways: served the same way
    OBS = "OBS"

    @property
    def is_http(self) -> bool:
        return self in (TriggerType.APIG, TriggerType.DEDICATEDGATEWAY)


class TriggerStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@dataclass(frozen=True)
class Trigger:
    id: str
    function_id: str
    account_id: str
    project_id: str
    package: str
    function_name: str
    qualifier: str | None  # the URN's qualifier the trigger was made on; None: latest
    type: TriggerType
    status: TriggerStatus
    event_data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    next_fire_at: datetime | None = None  # timers only

    @property
    def ref(self) -> FunctionRef:
        return FunctionRef(self.package, self.function_name, self.qualifier)

    @property
    def active(self) -> bool:
        return self.status is TriggerStatus.ACTIVE
