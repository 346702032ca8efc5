"""The function registry of one region, built from settings and the services it leans on."""

from __future__ import annotations

from pathlib import Path

from welkin.billing.quotas import AccountQuotas
from welkin.config import Settings
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.functions.code import CodeStore
from welkin.functions.deps import DependencyInstaller
from welkin.functions.obs_code import ObsCodeReader
from welkin.functions.packages import PackageLimits
from welkin.functions.runtimes import RuntimeCatalog
from welkin.functions.service import FunctionRegistry
from welkin.functions.sources import CodeSources
from welkin.iam.keyring import Keyring
from welkin.iam.service import Iam
from welkin.obs.s3api.authorize import Authorizer
from welkin.obs.service import Obs


def build_registry(
    settings: Settings,
    db: Database,
    clock: Clock,
    iam: Iam,
    keyring: Keyring,
    obs: Obs,
    quotas: AccountQuotas,
) -> FunctionRegistry:
    limits = PackageLimits(settings.functions_max_unpacked_bytes)
    code = CodeStore(settings.data_dir / "functions", limits)
    authorizer = Authorizer(iam, obs.buckets, obs.objects, clock)
    reader = ObsCodeReader(obs.buckets, obs.objects, authorizer, settings.s3_domains)
    sources = CodeSources(reader, settings.functions_max_code_bytes)
    wheels = Path(settings.functions_wheel_dir) if settings.functions_wheel_dir else None
    deps = DependencyInstaller(settings.data_dir / "functions", wheels)
    available = RuntimeCatalog.detect()
    return FunctionRegistry(
        db, clock, settings.region, iam.permissions, keyring, code, sources, available, deps, quotas=quotas
    )


def max_request_bytes(settings: Settings) -> int:
    """A request carrying the largest package in base64, with room for the rest of its JSON."""
    return (settings.functions_max_code_bytes + 2) // 3 * 4 + (1 << 20)
