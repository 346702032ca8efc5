"""IAM's resources in Huawei's JSON shapes (what huaweicloudsdkiam's models read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from welkin.iam.models import Account, Agency, Credential, Group, Project, Role, User
from welkin.iam.service import Iam


def iso(moment: datetime | None) -> str | None:
    """Keystone's timestamp form, e.g. 2026-11-22T04:10:11.298000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def links(base: str, path: str) -> dict[str, str]:
    return {"self": f"{base}{path}"}


def user(base: str, u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "domain_id": u.account_id,
        "enabled": u.enabled,
        "description": u.description,
        "email": u.email,
        "phone": u.phone,
        "areacode": "",
        "pwd_status": u.pwd_status,
        "access_mode": u.access_mode,
        "is_domain_owner": u.is_root,
        "create_time": iso(u.created_at),
        "last_login_time": iso(u.last_login_at),
        "password_expires_at": None,
        "xuser_id": "",
        "xuser_type": "",
        "pwd_strength": "Strong",
        "links": links(base, f"/v3/users/{u.id}"),
    }


def group(base: str, g: Group) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "domain_id": g.account_id,
        "description": g.description,
        "create_time": int(g.created_at.timestamp() * 1000),
        "links": links(base, f"/v3/groups/{g.id}"),
    }


def project(base: str, p: Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "domain_id": p.account_id,
        "parent_id": p.account_id,
        "is_domain": False,
        "enabled": p.enabled,
        "description": p.description,
        "links": links(base, f"/v3/projects/{p.id}"),
    }


def domain(base: str, a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "enabled": a.enabled,
        "description": a.description,
        "links": links(base, f"/v3/domains/{a.id}"),
    }


def role(base: str, r: Role) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "display_name": r.display_name,
        "description": r.description,
        "description_cn": r.description,
        "catalog": r.catalog,
        "flag": "fine_grained" if r.account_id is None else "",
        "type": r.type.value,
        "domain_id": r.account_id,
        "policy": r.policy,
        "created_time": str(int(r.created_at.timestamp() * 1000)) if r.created_at else None,
        "updated_time": str(int(r.updated_at.timestamp() * 1000)) if r.updated_at else None,
        "links": links(base, f"/v3/roles/{r.id}"),
    }


def credential(c: Credential) -> dict[str, Any]:
    return {
        "user_id": c.user_id,
        "access": c.access_key,
        "status": c.status.value,
        "description": c.description,
        "create_time": iso(c.created_at),
        "last_use_time": iso(c.last_used_at),
    }


def agency(a: Agency) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "domain_id": a.account_id,
        "trust_domain_id": a.trust_domain_id,
        "trust_domain_name": a.trust_domain_name,
        "description": a.description,
        "duration": a.duration,
        "create_time": iso(a.created_at),
        "expire_time": None,
    }


def catalog_for(base: str, region: str, iam: Iam) -> list[dict[str, Any]]:
    """The service catalog in a token: every Welkin API is on one endpoint."""
    del iam
    services = ("iam", "obs", "functiongraph", "bss")
    return [
        {
            "type": name,
            "id": name,
            "name": name,
            "endpoints": [
                {
                    "id": f"{name}-{region}",
                    "interface": "public",
                    "region": region,
                    "region_id": region,
                    "url": base,
                }
            ],
        }
        for name in services
    ]
