"""The action names Welkin's services check, as ``service:resource:action`` strings.

IAM actions use Huawei's fine-grained names (the ``iam`` service of policy version
1.1), so custom policies written for Huawei Cloud keep their meaning here. Welkin's
operator actions live under the reserved ``welkin`` service: only operator policies
can grant them (see :mod:`welkin.iam.policy`).
"""

from __future__ import annotations

from types import MappingProxyType

from welkin.iam.models import ScopeType

# Users
IAM_LIST_USERS = "iam:users:listUsers"
IAM_GET_USER = "iam:users:getUser"
IAM_CREATE_USER = "iam:users:createUser"
IAM_UPDATE_USER = "iam:users:updateUser"
IAM_DELETE_USER = "iam:users:deleteUser"
IAM_LIST_USERS_FOR_GROUP = "iam:users:listUsersForGroup"
IAM_GET_USER_LOGIN_PROTECT = "iam:users:getUserLoginProtect"
IAM_SET_USER_LOGIN_PROTECT = "iam:users:setUserLoginProtect"

# Groups and membership (Huawei files membership changes under "permissions")
IAM_LIST_GROUPS = "iam:groups:listGroups"
IAM_GET_GROUP = "iam:groups:getGroup"
IAM_CREATE_GROUP = "iam:groups:createGroup"
IAM_UPDATE_GROUP = "iam:groups:updateGroup"
IAM_DELETE_GROUP = "iam:groups:deleteGroup"
IAM_LIST_GROUPS_FOR_USER = "iam:groups:listGroupsForUser"
IAM_ADD_USER_TO_GROUP = "iam:permissions:addUserToGroup"
IAM_REMOVE_USER_FROM_GROUP = "iam:permissions:removeUserFromGroup"
IAM_CHECK_USER_IN_GROUP = "iam:permissions:checkUserInGroup"

# Permissions (system and custom roles/policies)
IAM_LIST_ROLES = "iam:roles:listRoles"
IAM_GET_ROLE = "iam:roles:getRole"
IAM_CREATE_ROLE = "iam:roles:createRole"
IAM_UPDATE_ROLE = "iam:roles:updateRole"
IAM_DELETE_ROLE = "iam:roles:deleteRole"
IAM_LIST_ROLE_ASSIGNMENTS = "iam:permissions:listRoleAssignments"

# Granting permissions to groups: on the domain (global services), on one project,
# or on all projects ("inherited" assignments)
IAM_GRANT_ROLE_TO_GROUP_ON_DOMAIN = "iam:permissions:grantRoleToGroupOnDomain"
IAM_GRANT_ROLE_TO_GROUP_ON_PROJECT = "iam:permissions:grantRoleToGroupOnProject"
IAM_GRANT_ROLE_TO_GROUP = "iam:permissions:grantRoleToGroup"
IAM_REVOKE_ROLE_FROM_GROUP_ON_DOMAIN = "iam:permissions:revokeRoleFromGroupOnDomain"
IAM_REVOKE_ROLE_FROM_GROUP_ON_PROJECT = "iam:permissions:revokeRoleFromGroupOnProject"
IAM_REVOKE_ROLE_FROM_GROUP = "iam:permissions:revokeRoleFromGroup"
IAM_CHECK_ROLE_FOR_GROUP_ON_DOMAIN = "iam:permissions:checkRoleForGroupOnDomain"
IAM_CHECK_ROLE_FOR_GROUP_ON_PROJECT = "iam:permissions:checkRoleForGroupOnProject"
IAM_CHECK_ROLE_FOR_GROUP = "iam:permissions:checkRoleForGroup"
IAM_LIST_ROLES_FOR_GROUP_ON_DOMAIN = "iam:permissions:listRolesForGroupOnDomain"
IAM_LIST_ROLES_FOR_GROUP_ON_PROJECT = "iam:permissions:listRolesForGroupOnProject"
IAM_LIST_ROLES_FOR_GROUP = "iam:permissions:listRolesForGroup"

# Granting permissions to agencies
IAM_GRANT_ROLE_TO_AGENCY_ON_DOMAIN = "iam:permissions:grantRoleToAgencyOnDomain"
IAM_GRANT_ROLE_TO_AGENCY_ON_PROJECT = "iam:permissions:grantRoleToAgencyOnProject"
IAM_GRANT_ROLE_TO_AGENCY = "iam:permissions:grantRoleToAgency"
IAM_REVOKE_ROLE_FROM_AGENCY_ON_DOMAIN = "iam:permissions:revokeRoleFromAgencyOnDomain"
IAM_REVOKE_ROLE_FROM_AGENCY_ON_PROJECT = "iam:permissions:revokeRoleFromAgencyOnProject"
IAM_REVOKE_ROLE_FROM_AGENCY = "iam:permissions:revokeRoleFromAgency"
IAM_CHECK_ROLE_FOR_AGENCY_ON_DOMAIN = "iam:permissions:checkRoleForAgencyOnDomain"
IAM_CHECK_ROLE_FOR_AGENCY_ON_PROJECT = "iam:permissions:checkRoleForAgencyOnProject"
IAM_CHECK_ROLE_FOR_AGENCY = "iam:permissions:checkRoleForAgency"
IAM_LIST_ROLES_FOR_AGENCY_ON_DOMAIN = "iam:permissions:listRolesForAgencyOnDomain"
IAM_LIST_ROLES_FOR_AGENCY_ON_PROJECT = "iam:permissions:listRolesForAgencyOnProject"
IAM_LIST_ROLES_FOR_AGENCY = "iam:permissions:listRolesForAgency"

# Permanent access keys
IAM_LIST_CREDENTIALS = "iam:credentials:listCredentials"
IAM_GET_CREDENTIAL = "iam:credentials:getCredential"
IAM_CREATE_CREDENTIAL = "iam:credentials:createCredential"
IAM_UPDATE_CREDENTIAL = "iam:credentials:updateCredential"
IAM_DELETE_CREDENTIAL = "iam:credentials:deleteCredential"

# Agencies
IAM_LIST_AGENCIES = "iam:agencies:listAgencies"
IAM_GET_AGENCY = "iam:agencies:getAgency"
IAM_CREATE_AGENCY = "iam:agencies:createAgency"
IAM_UPDATE_AGENCY = "iam:agencies:updateAgency"
IAM_DELETE_AGENCY = "iam:agencies:deleteAgency"
IAM_ASSUME_AGENCY = "iam:agencies:assume"
"""Switching to an agency; its resource is ``/iam/agencies/<agency_id>`` (URI form)."""

# Projects
IAM_LIST_PROJECTS = "iam:projects:listProjects"
IAM_LIST_PROJECTS_FOR_USER = "iam:projects:listProjectsForUser"
IAM_GET_PROJECT = "iam:projects:getProject"
IAM_CREATE_PROJECT = "iam:projects:createProject"
IAM_UPDATE_PROJECT = "iam:projects:updateProject"

# Account security settings
IAM_GET_PASSWORD_POLICY = "iam:securitypolicies:getPasswordPolicy"  # noqa: S105 - an action name
IAM_UPDATE_PASSWORD_POLICY = "iam:securitypolicies:updatePasswordPolicy"  # noqa: S105 - an action name
IAM_GET_LOGIN_POLICY = "iam:securitypolicies:getLoginPolicy"
IAM_UPDATE_LOGIN_POLICY = "iam:securitypolicies:updateLoginPolicy"
IAM_GET_PROTECT_POLICY = "iam:securitypolicies:getProtectPolicy"
IAM_UPDATE_PROTECT_POLICY = "iam:securitypolicies:updateProtectPolicy"
IAM_GET_CONSOLE_ACL_POLICY = "iam:securitypolicies:getConsoleAclPolicy"
IAM_UPDATE_CONSOLE_ACL_POLICY = "iam:securitypolicies:updateConsoleAclPolicy"
IAM_GET_API_ACL_POLICY = "iam:securitypolicies:getApiAclPolicy"
IAM_UPDATE_API_ACL_POLICY = "iam:securitypolicies:updateApiAclPolicy"

# Welkin operators: tenant accounts and the audit trail across them
WELKIN_LIST_ACCOUNTS = "welkin:accounts:listAccounts"
WELKIN_GET_ACCOUNT = "welkin:accounts:getAccount"
WELKIN_CREATE_ACCOUNT = "welkin:accounts:createAccount"
WELKIN_UPDATE_ACCOUNT = "welkin:accounts:updateAccount"
WELKIN_DELETE_ACCOUNT = "welkin:accounts:deleteAccount"
WELKIN_LIST_AUDIT_EVENTS = "welkin:audit:listEvents"
WELKIN_GET_AUDIT_EVENT = "welkin:audit:getEvent"

# Object storage, as Huawei OBS names its IAM actions. Deleting a bucket's CORS rules
# or lifecycle rules is checked as putting them, as on Huawei.
OBS_LIST_ALL_MY_BUCKETS = "obs:bucket:ListAllMyBuckets"
OBS_CREATE_BUCKET = "obs:bucket:CreateBucket"
OBS_DELETE_BUCKET = "obs:bucket:DeleteBucket"
OBS_HEAD_BUCKET = "obs:bucket:HeadBucket"
OBS_GET_BUCKET_LOCATION = "obs:bucket:GetBucketLocation"
OBS_LIST_BUCKET = "obs:bucket:ListBucket"
OBS_LIST_BUCKET_VERSIONS = "obs:bucket:ListBucketVersions"
OBS_LIST_BUCKET_MULTIPART_UPLOADS = "obs:bucket:ListBucketMultipartUploads"
OBS_GET_BUCKET_VERSIONING = "obs:bucket:GetBucketVersioning"
OBS_PUT_BUCKET_VERSIONING = "obs:bucket:PutBucketVersioning"
OBS_GET_BUCKET_TAGGING = "obs:bucket:GetBucketTagging"
OBS_PUT_BUCKET_TAGGING = "obs:bucket:PutBucketTagging"
OBS_DELETE_BUCKET_TAGGING = "obs:bucket:DeleteBucketTagging"
OBS_GET_BUCKET_CORS = "obs:bucket:GetBucketCORS"
OBS_PUT_BUCKET_CORS = "obs:bucket:PutBucketCORS"
OBS_GET_BUCKET_POLICY = "obs:bucket:GetBucketPolicy"
OBS_PUT_BUCKET_POLICY = "obs:bucket:PutBucketPolicy"
OBS_DELETE_BUCKET_POLICY = "obs:bucket:DeleteBucketPolicy"
OBS_GET_BUCKET_ACL = "obs:bucket:GetBucketAcl"
OBS_PUT_BUCKET_ACL = "obs:bucket:PutBucketAcl"
OBS_GET_LIFECYCLE_CONFIGURATION = "obs:bucket:GetLifecycleConfiguration"
OBS_PUT_LIFECYCLE_CONFIGURATION = "obs:bucket:PutLifecycleConfiguration"
OBS_GET_BUCKET_NOTIFICATION = "obs:bucket:GetBucketNotification"
OBS_PUT_BUCKET_NOTIFICATION = "obs:bucket:PutBucketNotification"
OBS_PUT_OBJECT = "obs:object:PutObject"
OBS_GET_OBJECT = "obs:object:GetObject"
OBS_GET_OBJECT_VERSION = "obs:object:GetObjectVersion"
OBS_DELETE_OBJECT = "obs:object:DeleteObject"
OBS_DELETE_OBJECT_VERSION = "obs:object:DeleteObjectVersion"
OBS_GET_OBJECT_ACL = "obs:object:GetObjectAcl"
OBS_GET_OBJECT_VERSION_ACL = "obs:object:GetObjectVersionAcl"
OBS_PUT_OBJECT_ACL = "obs:object:PutObjectAcl"
OBS_PUT_OBJECT_VERSION_ACL = "obs:object:PutObjectVersionAcl"
OBS_GET_OBJECT_TAGGING = "obs:object:GetObjectTagging"
OBS_PUT_OBJECT_TAGGING = "obs:object:PutObjectTagging"
OBS_DELETE_OBJECT_TAGGING = "obs:object:DeleteObjectTagging"
OBS_LIST_MULTIPART_UPLOAD_PARTS = "obs:object:ListMultipartUploadParts"
OBS_ABORT_MULTIPART_UPLOAD = "obs:object:AbortMultipartUpload"

# FunctionGraph, as Huawei names its fine-grained actions. The resource of a function is
# functiongraph:<region>:<project_id>:function:<package>/<name>.
FGS_CREATE_FUNCTION = "functiongraph:function:create"
FGS_LIST_FUNCTIONS = "functiongraph:function:list"
FGS_GET_CONFIG = "functiongraph:function:getConfig"
FGS_GET_CODE = "functiongraph:function:getCode"
FGS_UPDATE_CODE = "functiongraph:function:updateCode"
FGS_UPDATE_CONFIG = "functiongraph:function:updateConfig"
FGS_DELETE_FUNCTION = "functiongraph:function:delete"
FGS_CREATE_VERSION = "functiongraph:function:createVersion"
FGS_LIST_VERSIONS = "functiongraph:function:listVersion"
FGS_CREATE_ALIAS = "functiongraph:function:createAlias"
FGS_LIST_ALIASES = "functiongraph:function:listAlias"
FGS_GET_ALIAS = "functiongraph:function:getAlias"
FGS_UPDATE_ALIAS = "functiongraph:function:updateAlias"
FGS_DELETE_ALIAS = "functiongraph:function:deleteAlias"
FGS_INVOKE = "functiongraph:function:invoke"
FGS_INVOKE_ASYNC = "functiongraph:function:invokeAsync"
FGS_LIST_QUOTAS = "functiongraph:quota:list"
FGS_GET_STATISTICS = "functiongraph:function:getStatistics"
FGS_CREATE_TRIGGER = "functiongraph:trigger:create"
FGS_LIST_TRIGGERS = "functiongraph:trigger:list"
FGS_GET_TRIGGER = "functiongraph:trigger:get"
FGS_UPDATE_TRIGGER = "functiongraph:trigger:update"
FGS_DELETE_TRIGGER = "functiongraph:trigger:delete"

IAM_ACTIONS: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.startswith("IAM_") and isinstance(value, str)
)
"""Every IAM action above."""
WELKIN_ACTIONS: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.startswith("WELKIN_") and isinstance(value, str)
)
"""Every operator action above."""
OBS_ACTIONS: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.startswith("OBS_") and isinstance(value, str)
)
"""Every object storage action above."""

# An account's own audit trail, under the name of Huawei's Cloud Trace Service, so that
# Tenant Administrator and Tenant Guest can read it as they read CTS traces.
CTS_LIST_TRACES = "cts:trace:listTraces"

FGS_ACTIONS: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.startswith("FGS_") and isinstance(value, str)
)
"""Every FunctionGraph action above."""


# What granting, revoking, checking and listing a group's roles is called, by where it applies.
GRANT_ROLE_ACTIONS = MappingProxyType(
    {
        ScopeType.PROJECT: IAM_GRANT_ROLE_TO_GROUP_ON_PROJECT,
        ScopeType.DOMAIN: IAM_GRANT_ROLE_TO_GROUP_ON_DOMAIN,
        ScopeType.ALL_PROJECTS: IAM_GRANT_ROLE_TO_GROUP,
    }
)
REVOKE_ROLE_ACTIONS = MappingProxyType(
    {
        ScopeType.PROJECT: IAM_REVOKE_ROLE_FROM_GROUP_ON_PROJECT,
        ScopeType.DOMAIN: IAM_REVOKE_ROLE_FROM_GROUP_ON_DOMAIN,
        ScopeType.ALL_PROJECTS: IAM_REVOKE_ROLE_FROM_GROUP,
    }
)
CHECK_ROLE_ACTIONS = MappingProxyType(
    {
        ScopeType.PROJECT: IAM_CHECK_ROLE_FOR_GROUP_ON_PROJECT,
        ScopeType.DOMAIN: IAM_CHECK_ROLE_FOR_GROUP_ON_DOMAIN,
        ScopeType.ALL_PROJECTS: IAM_CHECK_ROLE_FOR_GROUP,
    }
)
LIST_ROLE_ACTIONS = MappingProxyType(
    {
        ScopeType.PROJECT: IAM_LIST_ROLES_FOR_GROUP_ON_PROJECT,
        ScopeType.DOMAIN: IAM_LIST_ROLES_FOR_GROUP_ON_DOMAIN,
        ScopeType.ALL_PROJECTS: IAM_LIST_ROLES_FOR_GROUP,
    }
)
