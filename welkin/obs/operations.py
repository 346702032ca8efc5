"""The S3 operations Welkin serves, and what each is checked as.

For every operation (by its AWS name) the table gives:

* the bucket-policy action (``s3:GetObject``), and the one checked instead when the
  request names an object version (``s3:GetObjectVersion``);
* the Huawei IAM action (``obs:object:GetObject``), likewise with its version form;
* whether it acts on the service, a bucket or an object (which decides the resource
  a policy statement must name);
* the ACL permission that lets an account in without a policy, and whose ACL holds
  it: WRITE on objects is granted on their bucket, as objects have no WRITE;
  ``None`` where only the bucket owner (or a policy) may act;
* whether even a bucket policy may open it to other accounts: as in S3, only the
  bucket owner's account may read or change the bucket's policy.

The S3 and IAM names follow S3's and Huawei OBS's permission lists, including their
quirks: deleting CORS or lifecycle rules is checked as putting them, ``HeadBucket``
is ``s3:ListBucket``, and every step of a multipart upload is ``PutObject``.
``CopyObject`` and ``UploadPartCopy`` also read their source, which the caller checks
as ``GetObject`` on that object.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from welkin.iam import actions as iam
from welkin.obs.acl import Permission


class Level(enum.Enum):
    SERVICE = "service"
    BUCKET = "bucket"
    OBJECT = "object"


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    level: Level
    s3_action: str
    iam_action: str
    acl_permission: Permission | None
    acl_resource: Level = Level.BUCKET
    s3_version_action: str | None = None
    iam_version_action: str | None = None
    owner_account_only: bool = False
    reads_source: bool = False


def policy_action(operation: Operation, version_id: str | None = None) -> str:
    """The bucket-policy action checked for ``operation``, given the request's ``versionId``."""
    if version_id is not None and operation.s3_version_action is not None:
        return operation.s3_version_action
    return operation.s3_action


def iam_action(operation: Operation, version_id: str | None = None) -> str:
    """The Huawei IAM action checked for ``operation``, given the request's ``versionId``."""
    if version_id is not None and operation.iam_version_action is not None:
        return operation.iam_version_action
    return operation.iam_action


def _bucket(
    name: str,
    s3: str,
    iam_name: str,
    acl: Permission | None,
    *,
    owner_account_only: bool = False,
) -> Operation:
    return Operation(name, Level.BUCKET, s3, iam_name, acl, owner_account_only=owner_account_only)


def _object(
    name: str,
    s3: tuple[str, str | None],
    iam_name: tuple[str, str | None],
    acl: Permission | None,
    acl_resource: Level = Level.OBJECT,
    *,
    reads_source: bool = False,
) -> Operation:
    return Operation(
        name,
        Level.OBJECT,
        s3[0],
        iam_name[0],
        acl,
        acl_resource,
        s3_version_action=s3[1],
        iam_version_action=iam_name[1],
        reads_source=reads_source,
    )


_R, _W, _RACP, _WACP = Permission.READ, Permission.WRITE, Permission.READ_ACP, Permission.WRITE_ACP
_PUT = ("s3:PutObject", None)
_IAM_PUT = (iam.OBS_PUT_OBJECT, None)
_GET = ("s3:GetObject", "s3:GetObjectVersion")
_IAM_GET = (iam.OBS_GET_OBJECT, iam.OBS_GET_OBJECT_VERSION)
_DELETE = ("s3:DeleteObject", "s3:DeleteObjectVersion")
_IAM_DELETE = (iam.OBS_DELETE_OBJECT, iam.OBS_DELETE_OBJECT_VERSION)

_ALL = (
    Operation("ListBuckets", Level.SERVICE, "s3:ListAllMyBuckets", iam.OBS_LIST_ALL_MY_BUCKETS, None),
    _bucket("CreateBucket", "s3:CreateBucket", iam.OBS_CREATE_BUCKET, None),
    _bucket("DeleteBucket", "s3:DeleteBucket", iam.OBS_DELETE_BUCKET, None),
    _bucket("HeadBucket", "s3:ListBucket", iam.OBS_HEAD_BUCKET, _R),
    _bucket("GetBucketLocation", "s3:GetBucketLocation", iam.OBS_GET_BUCKET_LOCATION, _R),
    _bucket("ListObjects", "s3:ListBucket", iam.OBS_LIST_BUCKET, _R),
    _bucket("ListObjectsV2", "s3:ListBucket", iam.OBS_LIST_BUCKET, _R),
    _bucket("ListObjectVersions", "s3:ListBucketVersions", iam.OBS_LIST_BUCKET_VERSIONS, _R),
    _bucket("GetBucketVersioning", "s3:GetBucketVersioning", iam.OBS_GET_BUCKET_VERSIONING, None),
    _bucket("PutBucketVersioning", "s3:PutBucketVersioning", iam.OBS_PUT_BUCKET_VERSIONING, None),
    _bucket("GetBucketTagging", "s3:GetBucketTagging", iam.OBS_GET_BUCKET_TAGGING, None),
    _bucket("PutBucketTagging", "s3:PutBucketTagging", iam.OBS_PUT_BUCKET_TAGGING, None),
    _bucket("DeleteBucketTagging", "s3:PutBucketTagging", iam.OBS_DELETE_BUCKET_TAGGING, None),
    _bucket("GetBucketCors", "s3:GetBucketCORS", iam.OBS_GET_BUCKET_CORS, None),
    _bucket("PutBucketCors", "s3:PutBucketCORS", iam.OBS_PUT_BUCKET_CORS, None),
    _bucket("DeleteBucketCors", "s3:PutBucketCORS", iam.OBS_PUT_BUCKET_CORS, None),
    _bucket(
        "GetBucketPolicy", "s3:GetBucketPolicy", iam.OBS_GET_BUCKET_POLICY, None, owner_account_only=True
    ),
    _bucket(
        "PutBucketPolicy", "s3:PutBucketPolicy", iam.OBS_PUT_BUCKET_POLICY, None, owner_account_only=True
    ),
    _bucket(
        "DeleteBucketPolicy",
        "s3:DeleteBucketPolicy",
        iam.OBS_DELETE_BUCKET_POLICY,
        None,
        owner_account_only=True,
    ),
    _bucket("GetBucketAcl", "s3:GetBucketAcl", iam.OBS_GET_BUCKET_ACL, _RACP),
    _bucket("PutBucketAcl", "s3:PutBucketAcl", iam.OBS_PUT_BUCKET_ACL, _WACP),
    _bucket(
        "GetBucketLifecycleConfiguration",
        "s3:GetLifecycleConfiguration",
        iam.OBS_GET_LIFECYCLE_CONFIGURATION,
        None,
    ),
    _bucket(
        "PutBucketLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
        iam.OBS_PUT_LIFECYCLE_CONFIGURATION,
        None,
    ),
    _bucket(
        "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", iam.OBS_PUT_LIFECYCLE_CONFIGURATION, None
    ),
    _bucket(
        "GetBucketNotificationConfiguration",
        "s3:GetBucketNotification",
        iam.OBS_GET_BUCKET_NOTIFICATION,
        None,
    ),
    _bucket(
        "PutBucketNotificationConfiguration",
        "s3:PutBucketNotification",
        iam.OBS_PUT_BUCKET_NOTIFICATION,
        None,
    ),
    _bucket(
        "ListMultipartUploads", "s3:ListBucketMultipartUploads", iam.OBS_LIST_BUCKET_MULTIPART_UPLOADS, _R
    ),
    _object("PutObject", _PUT, _IAM_PUT, _W, Level.BUCKET),
    _object("GetObject", _GET, _IAM_GET, _R),
    _object("HeadObject", _GET, _IAM_GET, _R),
    _object("DeleteObject", _DELETE, _IAM_DELETE, _W, Level.BUCKET),
    _object("DeleteObjects", _DELETE, _IAM_DELETE, _W, Level.BUCKET),
    _object("CopyObject", _PUT, _IAM_PUT, _W, Level.BUCKET, reads_source=True),
    _object(
        "GetObjectTagging",
        ("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
        (iam.OBS_GET_OBJECT_TAGGING, None),
        _R,
    ),
    _object(
        "PutObjectTagging",
        ("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
        (iam.OBS_PUT_OBJECT_TAGGING, None),
        None,
    ),
    _object(
        "DeleteObjectTagging",
        ("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
        (iam.OBS_DELETE_OBJECT_TAGGING, None),
        None,
    ),
    _object(
        "GetObjectAcl",
        ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
        (iam.OBS_GET_OBJECT_ACL, iam.OBS_GET_OBJECT_VERSION_ACL),
        _RACP,
    ),
    _object(
        "PutObjectAcl",
        ("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
        (iam.OBS_PUT_OBJECT_ACL, iam.OBS_PUT_OBJECT_VERSION_ACL),
        _WACP,
    ),
    _object("CreateMultipartUpload", _PUT, _IAM_PUT, _W, Level.BUCKET),
    _object("UploadPart", _PUT, _IAM_PUT, _W, Level.BUCKET),
    _object("UploadPartCopy", _PUT, _IAM_PUT, _W, Level.BUCKET, reads_source=True),
    _object("CompleteMultipartUpload", _PUT, _IAM_PUT, _W, Level.BUCKET),
    _object(
        "AbortMultipartUpload",
        ("s3:AbortMultipartUpload", None),
        (iam.OBS_ABORT_MULTIPART_UPLOAD, None),
        _W,
        Level.BUCKET,
    ),
    _object(
        "ListParts",
        ("s3:ListMultipartUploadParts", None),
        (iam.OBS_LIST_MULTIPART_UPLOAD_PARTS, None),
        _R,
        Level.BUCKET,
    ),
    # A browser form upload: the form's signed policy authenticates it, then it is a PutObject.
    _object("PostObject", _PUT, _IAM_PUT, _W, Level.BUCKET),
)

OPERATIONS: Mapping[str, Operation] = MappingProxyType({op.name: op for op in _ALL})
"""Every operation Welkin serves, by its AWS name."""
