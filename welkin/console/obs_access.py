"""What the console's object storage pages may touch, and how each use is checked.

The console shows one account: a bucket of another account is "not found" here, whatever
its policy or ACL would let an S3 client do, so a page never reveals that a name is taken by
someone else. Within the account, every read and change is checked by the S3 authorizer
first (IAM, the bucket policy, the ACLs), exactly as the S3 edge checks the same operation:
the OBS services check nothing themselves.
"""

from __future__ import annotations

from welkin.console.context import Console, SignedIn
from welkin.obs import errors
from welkin.obs.models import Bucket
from welkin.obs.operations import OPERATIONS

# A page decides its buttons once for every key in the bucket, not once per row.
ANY_KEY = "*"


async def own_bucket(console: Console, signed: SignedIn, name: str) -> Bucket:
    try:
        bucket = await console.region.obs.buckets.get(name)
    except errors.NoSuchBucket:
        bucket = None
    if bucket is None or bucket.account_id != signed.account_id:
        raise errors.NoSuchBucket(f"There is no bucket {name!r} in your account.")
    return bucket


async def check(
    console: Console,
    signed: SignedIn,
    operation: str,
    bucket: Bucket | None,
    key: str | None = None,
    version_id: str | None = None,
) -> None:
    """Raise AccessDenied unless the signed-in user may do ``operation`` (an S3 operation name)."""
    await console.region.authorizer.check_as(
        signed.principal, signed.context, OPERATIONS[operation], bucket, key, version_id
    )


async def allowed(
    console: Console, signed: SignedIn, operations: tuple[str, ...], bucket: Bucket | None, key: str | None
) -> dict[str, bool]:
    """Which of ``operations`` to offer on a page (the server checks again when one is used)."""
    return {op: await console.obs_can(signed, op, bucket, key) for op in operations}


def parent_prefix(key: str) -> str:
    """The folder a key is listed in: ``a/b/c.txt`` -> ``a/b/``."""
    cut = key.rstrip("/").rfind("/")
    return key[: cut + 1] if cut >= 0 else ""
