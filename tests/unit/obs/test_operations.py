import re

import pytest

from welkin.iam import actions, catalog
from welkin.iam.policy import AuthzRequest, Decision, evaluate
from welkin.obs.acl import Permission
from welkin.obs.operations import OPERATIONS, Level, iam_action, policy_action

SERVED = {
    "ListBuckets",
    "CreateBucket",
    "DeleteBucket",
    "HeadBucket",
    "GetBucketLocation",
    "ListObjects",
    "ListObjectsV2",
    "ListObjectVersions",
    "GetBucketVersioning",
    "PutBucketVersioning",
    "GetBucketTagging",
    "PutBucketTagging",
    "DeleteBucketTagging",
    "GetBucketCors",
    "PutBucketCors",
    "DeleteBucketCors",
    "GetBucketPolicy",
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "GetBucketAcl",
    "PutBucketAcl",
    "GetBucketLifecycleConfiguration",
    "PutBucketLifecycleConfiguration",
    "DeleteBucketLifecycle",
    "GetBucketNotificationConfiguration",
    "PutBucketNotificationConfiguration",
    "ListMultipartUploads",
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "DeleteObjects",
    "CopyObject",
    "GetObjectTagging",
    "PutObjectTagging",
    "DeleteObjectTagging",
    "GetObjectAcl",
    "PutObjectAcl",
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPartCopy",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "ListParts",
    "PostObject",
}


def test_every_served_operation_is_described() -> None:
    assert set(OPERATIONS) == SERVED
    for name, operation in OPERATIONS.items():
        assert operation.name == name
        assert re.fullmatch(r"s3:[A-Za-z]+", operation.s3_action)
        assert operation.iam_action in actions.OBS_ACTIONS


def test_every_obs_action_is_a_well_formed_huawei_name_and_obs_administrator_holds_it() -> None:
    admin = next(p for p in catalog.SYSTEM_PERMISSIONS if p.display_name == "OBS Administrator")
    for action in actions.OBS_ACTIONS:
        assert re.fullmatch(r"obs:(bucket|object):[A-Za-z]+", action), action
        assert evaluate([admin.policy], AuthzRequest(action)) is Decision.ALLOW


@pytest.mark.parametrize(
    ("name", "version_id", "s3", "iam"),
    [
        ("GetObject", None, "s3:GetObject", "obs:object:GetObject"),
        ("GetObject", "v1", "s3:GetObjectVersion", "obs:object:GetObjectVersion"),
        ("HeadObject", "v1", "s3:GetObjectVersion", "obs:object:GetObjectVersion"),
        ("DeleteObject", "v1", "s3:DeleteObjectVersion", "obs:object:DeleteObjectVersion"),
        ("PutObjectAcl", "v1", "s3:PutObjectVersionAcl", "obs:object:PutObjectVersionAcl"),
        ("GetObjectTagging", "v1", "s3:GetObjectVersionTagging", "obs:object:GetObjectTagging"),
        ("PutObject", "v1", "s3:PutObject", "obs:object:PutObject"),
        ("HeadBucket", None, "s3:ListBucket", "obs:bucket:HeadBucket"),
        ("DeleteBucketCors", None, "s3:PutBucketCORS", "obs:bucket:PutBucketCORS"),
        (
            "DeleteBucketLifecycle",
            None,
            "s3:PutLifecycleConfiguration",
            "obs:bucket:PutLifecycleConfiguration",
        ),
        ("UploadPart", None, "s3:PutObject", "obs:object:PutObject"),
        ("ListParts", None, "s3:ListMultipartUploadParts", "obs:object:ListMultipartUploadParts"),
        ("ListBuckets", None, "s3:ListAllMyBuckets", "obs:bucket:ListAllMyBuckets"),
    ],
)
def test_actions_checked(name: str, version_id: str | None, s3: str, iam: str) -> None:
    assert policy_action(OPERATIONS[name], version_id) == s3
    assert iam_action(OPERATIONS[name], version_id) == iam


def test_levels_and_acl_needs() -> None:
    assert OPERATIONS["ListBuckets"].level is Level.SERVICE
    assert OPERATIONS["ListObjects"].level is Level.BUCKET
    assert OPERATIONS["GetObject"].level is Level.OBJECT
    get = OPERATIONS["GetObject"]
    assert (get.acl_permission, get.acl_resource) == (Permission.READ, Level.OBJECT)
    put = OPERATIONS["PutObject"]
    assert (put.acl_permission, put.acl_resource) == (Permission.WRITE, Level.BUCKET)
    assert OPERATIONS["GetBucketAcl"].acl_permission is Permission.READ_ACP
    assert OPERATIONS["PutObjectAcl"].acl_permission is Permission.WRITE_ACP
    assert OPERATIONS["PutBucketPolicy"].acl_permission is None
    assert OPERATIONS["PutBucketPolicy"].owner_account_only
    assert not OPERATIONS["GetObject"].owner_account_only
    assert OPERATIONS["CopyObject"].reads_source
    assert OPERATIONS["UploadPartCopy"].reads_source
