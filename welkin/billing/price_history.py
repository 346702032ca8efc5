"""Past usage keeps its price, whatever the operator later writes in the catalog.

At every start the catalog's price versions are held against those recorded by earlier
starts (``billing_price_versions``) and against the usage already metered:

- a version recorded before may change or go only while no usage of its type has been
  metered from its ``effective_from`` on (rating prices an hourly row at the version in
  force at the start of its hour);
- a new version may not start before usage of its type already metered: it would reprice
  that usage. A price changes by a new version from a stated time on, now or later.

A catalog that breaks either is refused with the version named, before anything is served;
one that passes is recorded. The catalog must also price every usage type Welkin meters,
or usage would be counted that no invoice could price.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.engine import Connection

from welkin.billing.catalog import CatalogError, PriceCatalog, PriceVersion
from welkin.billing.tables import billing_price_versions, billing_usage_hourly


def require(catalog: PriceCatalog, metered: Iterable[str]) -> None:
    missing = sorted(set(metered) - set(catalog.usage_types))
    if missing:
        raise CatalogError(f"the catalog has no price for {', '.join(missing)}, which Welkin meters")


def terms(version: PriceVersion) -> str:
    """What a version charges, in a form that compares equal only if it charges the same."""
    return json.dumps(
        {
            "service_type": version.service_type,
            "resource_type": version.resource_type,
            "unit": version.unit,
            "per": version.per,
            "tiers": [[None if t.up_to is None else str(t.up_to), str(t.price)] for t in version.tiers],
            "free_per_month": str(version.free_per_month),
            "currency": version.currency,
        },
        sort_keys=True,
    )


def record(conn: Connection, catalog: PriceCatalog, now: datetime) -> None:
    """Refuse (``CatalogError``) a catalog that would reprice metered usage; else record it."""
    t = billing_price_versions
    recorded = {(row.usage_type, row.effective_from): row.terms for row in conn.execute(select(t))}
    given = {
        (v.usage_type, v.effective_from): terms(v)
        for usage_type in catalog.usage_types
        for v in catalog.versions(usage_type)
    }
    for (usage_type, since), was in recorded.items():
        now_terms = given.get((usage_type, since))
        if now_terms != was and _metered_since(conn, usage_type, since):
            change = "removed" if now_terms is None else "changed"
            raise CatalogError(
                f"the price of {usage_type} from {since.isoformat()} is {change}, but usage priced "
                "by it is already metered; add a version with a later effective_from instead"
            )
    for usage_type, since in given.keys() - recorded.keys():
        if _metered_since(conn, usage_type, since):
            raise CatalogError(
                f"a new price of {usage_type} from {since.isoformat()} would reprice usage already "
                "metered; give it an effective_from from now on"
            )
    for (usage_type, since), now_terms in given.items():
        key = (t.c.usage_type == usage_type) & (t.c.effective_from == since)
        if (usage_type, since) not in recorded:
            conn.execute(
                insert(t).values(
                    usage_type=usage_type, effective_from=since, terms=now_terms, recorded_at=now
                )
            )
        elif recorded[(usage_type, since)] != now_terms:
            conn.execute(update(t).where(key).values(terms=now_terms, recorded_at=now))
    for usage_type, since in recorded.keys() - given.keys():
        conn.execute(delete(t).where((t.c.usage_type == usage_type) & (t.c.effective_from == since)))


def _metered_since(conn: Connection, usage_type: str, since: datetime) -> bool:
    h = billing_usage_hourly
    return bool(conn.scalar(select(exists().where(h.c.usage_type == usage_type, h.c.hour >= since))))
