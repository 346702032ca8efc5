"""Identity pages: users, groups, policies, access keys and the audit log.

Every call goes to IAM's services as the signed-in user; they authorize inside, so a button
hidden here is a convenience, never the protection.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from welkin.console import iam_audit, iam_groups, iam_keys, iam_policies, iam_users
from welkin.console.context import Console


def routes(console: Console) -> list[BaseRoute]:
    return [
        *iam_users.routes(console),
        *iam_groups.routes(console),
        *iam_policies.routes(console),
        *iam_keys.routes(console),
        *iam_audit.routes(console),
    ]
