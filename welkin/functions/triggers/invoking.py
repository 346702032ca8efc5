"""What the trigger sources need of the invoker: run now, or queue durably."""

from __future__ import annotations

from typing import Protocol

from welkin.functions.invoker import InvokeRequest
from welkin.functions.spec import InvocationResult


class Invoking(Protocol):
    async def invoke(self, request: InvokeRequest) -> InvocationResult: ...

    async def invoke_async(self, request: InvokeRequest) -> str: ...
