import pytest

from welkin.iam.policy import Decision as Iam
from welkin.obs.access import AccessRequest, AccessResult, Reason, decide_access
from welkin.obs.acl import AccessControlList, CannedAcl, Grant, Grantee, Permission
from welkin.obs.bucket_policy import Decision as Policy
from welkin.obs.operations import OPERATIONS
from welkin.obs.requester import Requester

OWNER = "acc-owner"
OTHER = "acc-other"
OWNER_ROOT = Requester.root(OWNER, "u-root", "owner")
OWNER_USER = Requester.user(OWNER, "u-alice", "alice")
OTHER_ROOT = Requester.root(OTHER, "u-root2", "other")
OTHER_USER = Requester.user(OTHER, "u-bob", "bob")
ANON = Requester.anonymous()
PRIVATE = CannedAcl.PRIVATE.acl(OWNER)
PUBLIC_READ = CannedAcl.PUBLIC_READ.acl(OWNER)


def decide(
    operation: str,
    requester: Requester,
    iam: Iam = Iam.IMPLICIT_DENY,
    policy: Policy = Policy.NO_MATCH,
    acl: AccessControlList | None = PRIVATE,
    bucket_owner: str | None = OWNER,
    object_owner: str | None = None,
) -> AccessResult:
    return decide_access(
        AccessRequest(OPERATIONS[operation], bucket_owner, object_owner, requester, iam, policy, acl)
    )


def check(result: AccessResult, allowed: bool, reason: Reason) -> None:
    assert (result.allowed, result.reason) == (allowed, reason)


@pytest.mark.parametrize(
    ("iam", "policy", "acl", "allowed", "reason"),
    [
        (Iam.ALLOW, Policy.NO_MATCH, PRIVATE, True, Reason.IAM_ALLOWS),
        (Iam.IMPLICIT_DENY, Policy.ALLOW, PRIVATE, True, Reason.POLICY_ALLOWS),
        (Iam.IMPLICIT_DENY, Policy.NO_MATCH, PRIVATE, False, Reason.NO_IAM_ALLOW),
        (Iam.IMPLICIT_DENY, Policy.NO_MATCH, PUBLIC_READ, True, Reason.ACL_GRANTS),
        (Iam.DENY, Policy.ALLOW, PUBLIC_READ, False, Reason.IAM_DENIES),
        (Iam.ALLOW, Policy.DENY, PUBLIC_READ, False, Reason.POLICY_DENIES),
    ],
)
def test_users_of_the_owner_account(
    iam: Iam, policy: Policy, acl: AccessControlList, allowed: bool, reason: Reason
) -> None:
    check(decide("GetObject", OWNER_USER, iam, policy, acl), allowed, reason)


def test_a_grant_to_the_owner_account_is_not_a_grant_to_its_users() -> None:
    # The owner's FULL_CONTROL speaks for the account root; its users need IAM.
    check(decide("PutObject", OWNER_USER), False, Reason.NO_IAM_ALLOW)
    check(decide("PutObject", OWNER_ROOT), True, Reason.BUCKET_OWNER)


def test_the_owner_root_may_do_anything_but_what_its_policy_denies() -> None:
    for name in ("PutBucketPolicy", "DeleteBucket", "GetObject", "PutObjectAcl"):
        check(decide(name, OWNER_ROOT, object_owner=OTHER), True, Reason.BUCKET_OWNER)
    check(decide("GetObject", OWNER_ROOT, policy=Policy.DENY), False, Reason.POLICY_DENIES)


@pytest.mark.parametrize(
    ("requester", "iam", "policy", "acl", "allowed", "reason"),
    [
        (OTHER_ROOT, Iam.IMPLICIT_DENY, Policy.NO_MATCH, PRIVATE, False, Reason.NOT_GRANTED),
        (OTHER_ROOT, Iam.IMPLICIT_DENY, Policy.ALLOW, PRIVATE, True, Reason.POLICY_ALLOWS),
        (OTHER_ROOT, Iam.IMPLICIT_DENY, Policy.NO_MATCH, PUBLIC_READ, True, Reason.ACL_GRANTS),
        (OTHER_USER, Iam.ALLOW, Policy.NO_MATCH, PRIVATE, False, Reason.NOT_GRANTED),
        (OTHER_USER, Iam.ALLOW, Policy.ALLOW, PRIVATE, True, Reason.POLICY_ALLOWS),
        (OTHER_USER, Iam.IMPLICIT_DENY, Policy.ALLOW, PRIVATE, False, Reason.REQUESTER_IAM),
        (OTHER_USER, Iam.ALLOW, Policy.NO_MATCH, PUBLIC_READ, True, Reason.ACL_GRANTS),
        (OTHER_USER, Iam.IMPLICIT_DENY, Policy.NO_MATCH, PUBLIC_READ, False, Reason.REQUESTER_IAM),
        (OTHER_USER, Iam.DENY, Policy.ALLOW, PUBLIC_READ, False, Reason.IAM_DENIES),
        (OTHER_ROOT, Iam.ALLOW, Policy.DENY, PUBLIC_READ, False, Reason.POLICY_DENIES),
    ],
)
def test_other_accounts_need_the_bucket_and_their_own_iam(
    requester: Requester, iam: Iam, policy: Policy, acl: AccessControlList, allowed: bool, reason: Reason
) -> None:
    check(decide("GetObject", requester, iam, policy, acl), allowed, reason)


def test_an_acl_grant_to_another_account() -> None:
    acl = AccessControlList(OWNER, (Grant(Grantee.account(OTHER), Permission.WRITE),))
    check(decide("PutObject", OTHER_USER, Iam.ALLOW, acl=acl), True, Reason.ACL_GRANTS)
    check(decide("GetObject", OTHER_USER, Iam.ALLOW, acl=acl), False, Reason.NOT_GRANTED)
    check(decide("GetBucketTagging", OTHER_ROOT, acl=acl), False, Reason.NOT_GRANTED)


def test_only_the_owner_account_touches_the_bucket_policy() -> None:
    check(decide("PutBucketPolicy", OTHER_ROOT, policy=Policy.ALLOW), False, Reason.OWNER_ACCOUNT_ONLY)
    check(decide("GetBucketPolicy", OWNER_USER, Iam.ALLOW), True, Reason.IAM_ALLOWS)


def test_the_owner_of_an_object_in_anothers_bucket_keeps_its_acl() -> None:
    check(decide("PutObjectAcl", OTHER_ROOT, acl=None, object_owner=OTHER), True, Reason.OWNER_OF_OBJECT)
    check(
        decide("GetObjectAcl", OTHER_USER, Iam.ALLOW, acl=None, object_owner=OTHER),
        True,
        Reason.OWNER_OF_OBJECT,
    )
    check(decide("GetObject", OTHER_ROOT, acl=None, object_owner=OTHER), False, Reason.NOT_GRANTED)
    own_acl = CannedAcl.BUCKET_OWNER_READ.acl(OTHER, OWNER)
    check(decide("GetObject", OTHER_ROOT, acl=own_acl, object_owner=OTHER), True, Reason.ACL_GRANTS)


@pytest.mark.parametrize(
    ("operation", "policy", "acl", "allowed", "reason"),
    [
        ("GetObject", Policy.NO_MATCH, PUBLIC_READ, True, Reason.ACL_GRANTS),
        ("ListObjects", Policy.NO_MATCH, PUBLIC_READ, True, Reason.ACL_GRANTS),
        ("PutObject", Policy.NO_MATCH, PUBLIC_READ, False, Reason.ANONYMOUS),
        ("PutObject", Policy.NO_MATCH, CannedAcl.PUBLIC_READ_WRITE.acl(OWNER), True, Reason.ACL_GRANTS),
        ("GetObject", Policy.NO_MATCH, CannedAcl.AUTHENTICATED_READ.acl(OWNER), False, Reason.ANONYMOUS),
        ("GetObject", Policy.NO_MATCH, PRIVATE, False, Reason.ANONYMOUS),
        ("GetObject", Policy.ALLOW, PRIVATE, True, Reason.POLICY_ALLOWS),
        ("GetObject", Policy.DENY, PUBLIC_READ, False, Reason.POLICY_DENIES),
        ("GetBucketAcl", Policy.NO_MATCH, PUBLIC_READ, False, Reason.ANONYMOUS),
    ],
)
def test_anonymous_requests(
    operation: str, policy: Policy, acl: AccessControlList, allowed: bool, reason: Reason
) -> None:
    check(decide(operation, ANON, Iam.ALLOW, policy, acl), allowed, reason)


def test_service_operations_answer_to_the_requesters_own_account() -> None:
    check(decide("ListBuckets", ANON, bucket_owner=None), False, Reason.ANONYMOUS)
    check(decide("ListBuckets", OTHER_ROOT, bucket_owner=None), True, Reason.OWN_ACCOUNT)
    check(decide("CreateBucket", OWNER_USER, Iam.ALLOW, bucket_owner=None), True, Reason.IAM_ALLOWS)
    check(decide("CreateBucket", OWNER_USER, bucket_owner=None), False, Reason.NO_IAM_ALLOW)
    check(decide("CreateBucket", OWNER_USER, Iam.DENY, bucket_owner=None), False, Reason.IAM_DENIES)


def test_the_result_explains_itself() -> None:
    result = decide("GetObject", OTHER_USER, Iam.IMPLICIT_DENY, Policy.ALLOW)
    assert result.message == (
        "Access denied: the bucket grants it, but the requester's own IAM policies do not allow it"
    )
    assert decide("GetObject", OWNER_ROOT).message == "Allowed: the requester is the bucket owner"
