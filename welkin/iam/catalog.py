"""The system permissions Welkin offers: what ``GET /v3/roles`` lists.

Huawei has two kinds. *Roles* (policy version ``1.0``) are the older, service-wide
grants such as ``te_admin`` or ``secu_admin``; *policies* (version ``1.1``) are
fine-grained, such as ``OBS ReadOnlyAccess``. Each has an internal ``name`` (what a
token carries), a ``display_name`` (what the console and most tools use), a service
``catalog``, and a display ``type`` that says where it can be granted:

* ``AX``: on the account (domain) only, for global services such as IAM and OBS;
* ``XA``: on projects only, for regional services such as FunctionGraph;
* ``AA``: on both.

Names follow Huawei Cloud where its internal name is known and stable; Huawei's own
``system_all_<n>`` numbers differ between its clouds, so fine-grained policies whose
Huawei Cloud number is not known get a descriptive name instead. Ids are uuid5 of the
name under a fixed namespace, hence the same in every installation.

As on Huawei, Tenant Administrator (``te_admin``) covers every service except IAM;
an account's administrators hold it together with Security Administrator
(``secu_admin``), which covers IAM except switching into agencies.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from welkin.iam import actions
from welkin.iam.policy import PolicyDocument, parse_policy

__all__ = [
    "SYSTEM_PERMISSIONS",
    "PermissionType",
    "SystemPermission",
    "actions",
    "by_display_name",
    "by_id",
    "by_name",
]

PermissionType = Literal["AA", "AX", "XA"]

# Fixed forever: changing it would change every system permission's id.
_ID_NAMESPACE = uuid.UUID("d900fac4-3fcd-4d2c-9498-f3ceafb5ea0b")


@dataclass(frozen=True, slots=True)
class SystemPermission:
    id: str
    name: str
    display_name: str
    type: PermissionType
    catalog: str
    description: str
    policy: PolicyDocument

    @property
    def permission_type(self) -> Literal["role", "policy"]:
        """Huawei's ``permission_type`` filter: ``role`` for 1.0 documents, else ``policy``."""
        return "role" if self.policy.version == "1.0" else "policy"

    @property
    def grantable_on_domain(self) -> bool:
        return self.type[0] == "A"

    @property
    def grantable_on_project(self) -> bool:
        return self.type[1] == "A"


def _entry(
    name: str,
    display_name: str,
    type_: PermissionType,
    catalog: str,
    description: str,
    version: Literal["1.0", "1.1"],
    *statements: tuple[Literal["Allow", "Deny"], list[str]],
) -> SystemPermission:
    document: dict[str, object] = {
        "Version": version,
        "Statement": [{"Effect": effect, "Action": action_list} for effect, action_list in statements],
    }
    if version == "1.0":
        document["Depends"] = []
    return SystemPermission(
        id=uuid.uuid5(_ID_NAMESPACE, name).hex,
        name=name,
        display_name=display_name,
        type=type_,
        catalog=catalog,
        description=description,
        policy=parse_policy(document, system=True),
    )


_OBS_READ = [
    actions.OBS_LIST_ALL_MY_BUCKETS,
    actions.OBS_HEAD_BUCKET,
    actions.OBS_LIST_BUCKET,
    actions.OBS_GET_BUCKET_LOCATION,
]
_OBS_OPERATE = [
    *_OBS_READ,
    actions.OBS_LIST_BUCKET_MULTIPART_UPLOADS,
    actions.OBS_GET_OBJECT,
    actions.OBS_GET_OBJECT_VERSION,
    actions.OBS_PUT_OBJECT,
    actions.OBS_DELETE_OBJECT,
    actions.OBS_DELETE_OBJECT_VERSION,
    actions.OBS_LIST_MULTIPART_UPLOAD_PARTS,
    actions.OBS_ABORT_MULTIPART_UPLOAD,
    actions.OBS_GET_OBJECT_ACL,
    actions.OBS_GET_OBJECT_VERSION_ACL,
]
_FGS_READ = ["functiongraph:*:get*", "functiongraph:*:list*"]
_BSS_FINANCE = [
    "bss:*:view",
    "bss:balance:update",
    "bss:bill:update",
    "bss:billDetail:update",
    "bss:consumption:update",
    "bss:invoice:*",
]
# Everything in IAM but switching into an agency, which Agent Operator grants.
_IAM_ADMIN = [
    "iam:users:*",
    "iam:groups:*",
    "iam:permissions:*",
    "iam:roles:*",
    "iam:credentials:*",
    "iam:projects:*",
    "iam:securitypolicies:*",
    actions.IAM_LIST_AGENCIES,
    actions.IAM_GET_AGENCY,
    actions.IAM_CREATE_AGENCY,
    actions.IAM_UPDATE_AGENCY,
    actions.IAM_DELETE_AGENCY,
]

SYSTEM_PERMISSIONS: tuple[SystemPermission, ...] = (
    _entry(
        "te_admin",
        "Tenant Administrator",
        "AA",
        "BASE",
        "Administrator of every service except IAM.",
        "1.0",
        ("Allow", ["*:*:*"]),
        ("Deny", ["iam:*:*"]),
    ),
    _entry(
        "readonly",
        "Tenant Guest",
        "AA",
        "BASE",
        "Read-only access to every service except IAM.",
        "1.0",
        # Huawei lists get* and list*; head* adds existence checks such as OBS HeadBucket.
        ("Allow", ["*:*:get*", "*:*:list*", "*:*:head*"]),
        ("Deny", ["iam:*:*"]),
    ),
    _entry(
        "secu_admin",
        "Security Administrator",
        "AX",
        "BASE",
        "Full IAM permissions except switching into agencies.",
        "1.0",
        ("Allow", _IAM_ADMIN),
    ),
    _entry(
        "te_agency",
        "Agent Operator",
        "AX",
        "IAM",
        "Switch into agencies to reach the delegating account's resources.",
        "1.0",
        ("Allow", [actions.IAM_ASSUME_AGENCY]),
    ),
    _entry(
        "iam_readonly",
        "IAM ReadOnlyAccess",
        "AX",
        "IAM",
        "Read-only access to IAM.",
        "1.1",
        ("Allow", ["iam:*:get*", "iam:*:list*", "iam:*:check*"]),
    ),
    _entry(
        "system_all_159",
        "OBS Administrator",
        "AX",
        "OBS",
        "Full permissions for Object Storage Service.",
        "1.1",
        ("Allow", ["obs:*:*"]),
    ),
    _entry(
        "system_all_64",
        "OBS ReadOnlyAccess",
        "AX",
        "OBS",
        "List buckets, get bucket metadata and location, and list objects.",
        "1.1",
        ("Allow", _OBS_READ),
    ),
    _entry(
        "system_all_72",
        "OBS OperateAccess",
        "AX",
        "OBS",
        "OBS ReadOnlyAccess plus uploading, downloading and deleting objects and reading object ACLs.",
        "1.1",
        ("Allow", _OBS_OPERATE),
    ),
    _entry(
        "obs_b_list",
        "OBS Buckets Viewer",
        "AX",
        "OBS",
        "List buckets and get bucket metadata and location.",
        "1.0",
        (
            "Allow",
            [actions.OBS_LIST_ALL_MY_BUCKETS, actions.OBS_HEAD_BUCKET, actions.OBS_GET_BUCKET_LOCATION],
        ),
    ),
    _entry(
        "fgs_full_access",
        "FunctionGraph FullAccess",
        "XA",
        "FunctionGraph",
        "Full permissions for FunctionGraph.",
        "1.1",
        ("Allow", ["functiongraph:*:*"]),
    ),
    _entry(
        "fgs_readonly_access",
        "FunctionGraph ReadOnlyAccess",
        "XA",
        "FunctionGraph",
        "Read-only access to FunctionGraph.",
        "1.1",
        ("Allow", _FGS_READ),
    ),
    _entry(
        "fgs_common_operations",
        "FunctionGraph CommonOperations",
        "XA",
        "FunctionGraph",
        "Query functions and triggers and invoke functions.",
        "1.1",
        ("Allow", [*_FGS_READ, "functiongraph:function:invoke"]),
    ),
    _entry(
        "bss_adm",
        "BSS Administrator",
        "AA",
        "BSS",
        "All operations in Billing Center, Resource Center and My Account.",
        "1.0",
        ("Allow", ["bss:*:*"]),
    ),
    _entry(
        "bss_readonly_access",
        "BSS ReadonlyAccess",
        "AA",
        "BSS",
        "Read-only access to billing.",
        "1.1",
        ("Allow", ["bss:*:view"]),
    ),
    _entry(
        "bss_finance_access",
        "BSS FinanceAccess",
        "AA",
        "BSS",
        "Billing finance operator: balances, bills, expenditure and invoices.",
        "1.1",
        ("Allow", _BSS_FINANCE),
    ),
    _entry(
        "welkin_operator",
        "Welkin Operator",
        "AX",
        "Welkin",
        "Operate the Welkin installation: manage tenant accounts and read the audit trail.",
        "1.1",
        ("Allow", ["welkin:*:*"]),
    ),
    _entry(
        "welkin_auditor",
        "Welkin Auditor",
        "AX",
        "Welkin",
        "Read tenant accounts and the audit trail of the Welkin installation.",
        "1.1",
        ("Allow", ["welkin:audit:*", "welkin:accounts:get*", "welkin:accounts:list*"]),
    ),
)

_BY_ID: Mapping[str, SystemPermission] = MappingProxyType({p.id: p for p in SYSTEM_PERMISSIONS})
_BY_NAME: Mapping[str, SystemPermission] = MappingProxyType({p.name: p for p in SYSTEM_PERMISSIONS})
_BY_DISPLAY_NAME: Mapping[str, SystemPermission] = MappingProxyType(
    {p.display_name: p for p in SYSTEM_PERMISSIONS}
)


def by_id(permission_id: str) -> SystemPermission | None:
    return _BY_ID.get(permission_id)


def by_name(name: str) -> SystemPermission | None:
    return _BY_NAME.get(name)


def by_display_name(display_name: str) -> SystemPermission | None:
    return _BY_DISPLAY_NAME.get(display_name)
