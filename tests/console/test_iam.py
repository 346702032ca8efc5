"""The identity pages over real HTTP: users, groups, policies, access keys and the audit log."""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import ROOT_PASSWORD, Welkin
from tests.console.conftest import PASSWORD, ConsoleClient, make_account, make_user

NewClient = Callable[[], ConsoleClient]
XSS = "<script>alert(1)</script>"


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _signed_in(
    new_client: NewClient, user: str, account: str = "admin", password: str = PASSWORD
) -> ConsoleClient:
    client = new_client()
    answer = client.sign_in(account, user, password)
    assert answer.status_code == 303, answer.text
    return client


def _s3(server: Welkin, access_key: str, secret_key: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def _text(page: httpx.Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page.text)
    assert found, f"no #{element_id}"
    return html.unescape(found.group(1))


def _row_id(page: httpx.Response, kind: str, name: str) -> str:
    found = re.search(
        rf'<tr class="{kind}" data-name="{re.escape(html.escape(name))}" data-id="([^"]+)"', page.text
    )
    assert found, f"no {kind} row {name}"
    return found.group(1)


def _flash_errors(page: httpx.Response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="flash error"[^>]*>([^<]*)<', page.text)]


def _works(s3: Any) -> bool:
    try:
        s3.list_buckets()
    except ClientError as exc:
        if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
            return False
        raise
    return True


# --- access keys -----------------------------------------------------------------------------
def test_a_new_keys_secret_is_shown_once_and_the_key_works_until_deleted(
    server: Welkin, new_client: NewClient
) -> None:
    # A user without IAM permissions manages their own keys: IAM authorizes only others' keys.
    name = _name("keys")
    make_user(server, name, ["OBS ReadOnlyAccess"])
    client = _signed_in(new_client, name)
    page = client.get("/console/iam/keys")
    assert page.status_code == 200
    assert 'id="create-key"' in page.text
    assert 'class="key"' not in page.text

    created = client.post("/console/iam/keys", {"description": "laptop"})
    assert created.status_code == 200, created.text
    assert created.headers["cache-control"] == "no-store"
    access_key, secret = _text(created, "new-access-key"), _text(created, "new-secret")
    assert len(access_key) == 20
    assert len(secret) == 40
    assert f'<tr class="key" data-access-key="{access_key}">' in created.text

    s3 = _s3(server, access_key, secret)
    assert "Buckets" in s3.list_buckets()

    again = client.get("/console/iam/keys")
    assert f'data-access-key="{access_key}"' in again.text
    assert secret not in again.text
    assert 'id="new-secret"' not in again.text

    row = re.search(rf'data-access-key="{access_key}">.*?</tr>', again.text, re.S)
    assert row
    assert 'class="delete-key"' in row.group(0)
    assert "data-confirm=" in row.group(0)
    deleted = client.post(f"/console/iam/keys/{access_key}/delete")
    assert deleted.status_code == 303
    assert f'data-access-key="{access_key}"' not in client.get("/console/iam/keys").text

    deadline = time.monotonic() + 10  # the signature path may cache a key for a few seconds
    while _works(s3):
        assert time.monotonic() < deadline, "the deleted key still works"
        time.sleep(0.5)


def test_an_administrator_manages_another_users_keys(
    server: Welkin, admin: ConsoleClient, new_client: NewClient
) -> None:
    name = _name("their-keys")
    user_id = make_user(server, name, ["OBS ReadOnlyAccess"])
    page = admin.get("/console/iam/keys", user=user_id)
    assert page.status_code == 200
    assert f'name="user" value="{user_id}"' in page.text
    created = admin.post("/console/iam/keys", {"user": user_id, "description": "for them"})
    access_key = _text(created, "new-access-key")
    # The owner sees it among their own, without the secret.
    own = _signed_in(new_client, name).get("/console/iam/keys")
    assert f'data-access-key="{access_key}"' in own.text
    assert _text(created, "new-secret") not in own.text
    assert admin.post(f"/console/iam/keys/{access_key}/delete").headers["location"].endswith(user_id)
    audit = admin.get("/console/iam/audit")
    events = re.findall(r'<tr class="event" data-service="([^"]+)" data-action="([^"]+)">', audit.text)
    assert events[0] == ("console", "DeleteCredential")
    assert ("console", "CreateCredential") in events[1:3]  # the owner's sign-in came between
    assert _text(created, "new-secret") not in audit.text


# --- users -----------------------------------------------------------------------------------
def test_create_disable_enable_and_delete_a_user(
    server: Welkin, admin: ConsoleClient, new_client: NewClient
) -> None:
    name = _name("alice")
    page = admin.get("/console/iam/users")
    assert 'id="create-user"' in page.text
    typed = "Typed-secret-4711"
    made = admin.post(
        "/console/iam/users",
        {"name": name, "description": "Ops", "access_mode": "default", "password": typed},
    )
    assert made.status_code == 303, made.text
    user_page = admin.get(made.headers["location"])
    assert _text(user_page, "user-name") == name
    assert typed not in user_page.text
    listing = admin.get("/console/iam/users")
    user_id = _row_id(listing, "user", name)
    assert typed not in listing.text

    assert new_client().sign_in("admin", name, typed).status_code == 303
    assert admin.post(f"/console/iam/users/{user_id}/status", {"enabled": "false"}).status_code == 303
    assert '<span class="badge bad">disabled</span>' in admin.get(f"/console/iam/users/{user_id}").text
    assert new_client().sign_in("admin", name, typed).status_code != 303
    assert admin.post(f"/console/iam/users/{user_id}/status", {"enabled": "true"}).status_code == 303
    assert new_client().sign_in("admin", name, typed).status_code == 303

    assert admin.post(f"/console/iam/users/{user_id}/delete").status_code == 303
    assert f'data-name="{name}"' not in admin.get("/console/iam/users").text
    assert admin.get(f"/console/iam/users/{user_id}").status_code == 404


def test_the_user_list_goes_on_after_a_name(server: Welkin, admin: ConsoleClient) -> None:
    make_user(server, _name("zed"), [])
    names = re.findall(r'<tr class="user" data-name="([^"]+)"', admin.get("/console/iam/users").text)
    assert names == sorted(names)
    assert "admin" in names
    later = admin.get("/console/iam/users", after="admin")
    rest = re.findall(r'<tr class="user" data-name="([^"]+)"', later.text)
    assert rest == [n for n in names if n > "admin"]
    assert 'id="next-users"' not in later.text  # fewer than a page


def test_a_generated_password_is_shown_once(
    server: Welkin, admin: ConsoleClient, new_client: NewClient
) -> None:
    name = _name("bob")
    admin.get("/console/iam/users")
    made = admin.post("/console/iam/users", {"name": name, "access_mode": "console", "password": ""})
    assert made.status_code == 200, made.text
    password = _text(made, "new-password")
    assert new_client().sign_in("admin", name, password).status_code == 303
    assert password not in admin.get("/console/iam/users").text
    # A programmatic user gets no password at all.
    robot = _name("robot")
    made = admin.post("/console/iam/users", {"name": robot, "access_mode": "programmatic"})
    assert made.status_code == 303
    assert 'id="new-password"' not in admin.get(made.headers["location"]).text


def test_a_bad_user_form_is_refused_with_a_message(server: Welkin, admin: ConsoleClient) -> None:
    admin.get("/console/iam/users")
    answer = admin.post(
        "/console/iam/users",
        {"name": "bad/name", "password": "Whatever-1234"},
        headers={"Referer": f"{server.url}/console/iam/users"},
    )
    assert answer.status_code == 303
    assert any("not valid" in m for m in _flash_errors(admin.get("/console/iam/users")))


# --- groups and permissions ------------------------------------------------------------------
def test_groups_membership_and_granting_a_role(server: Welkin, admin: ConsoleClient) -> None:
    group, member = _name("devs"), _name("carol")
    member_id = make_user(server, member, [])
    admin.get("/console/iam/groups")
    made = admin.post("/console/iam/groups", {"name": group, "description": "Developers"})
    assert made.status_code == 303
    group_id = _row_id(admin.get("/console/iam/groups"), "group", group)

    page = admin.get(f"/console/iam/groups/{group_id}")
    assert 'id="add-member"' in page.text
    assert admin.post(f"/console/iam/groups/{group_id}/members", {"user": member_id}).status_code == 303
    page = admin.get(f"/console/iam/groups/{group_id}")
    assert f'<tr class="member" data-name="{member}">' in page.text
    assert f'<tr class="group" data-name="{group}">' in admin.get(f"/console/iam/users/{member_id}").text

    policies = admin.get("/console/iam/policies")
    assert 'id="system-roles"' in policies.text
    assert 'id="custom-policies"' in policies.text
    assert 'id="create-policy"' in policies.text
    role_id = re.search(r'<option value="([^"]+)">OBS OperateAccess</option>', policies.text)
    assert role_id
    fields = {"group": group_id, "role": role_id.group(1), "scope": "account"}
    assert admin.post("/console/iam/grants", fields).status_code == 303
    page = admin.get(f"/console/iam/groups/{group_id}")
    assert '<tr class="grant" data-role="system_all_72" data-scope="account">' in page.text
    assert admin.post("/console/iam/grants/revoke", fields).status_code == 303
    assert 'class="grant"' not in admin.get(f"/console/iam/groups/{group_id}").text

    removed = admin.post(f"/console/iam/groups/{group_id}/members/{member_id}/remove")
    assert removed.status_code == 303
    assert 'class="member"' not in admin.get(f"/console/iam/groups/{group_id}").text
    assert admin.post(f"/console/iam/groups/{group_id}/delete").status_code == 303
    assert f'data-name="{group}"' not in admin.get("/console/iam/groups").text


def test_a_custom_policy_from_json(server: Welkin, admin: ConsoleClient) -> None:
    title = _name("readers")
    document = '{"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["obs:object:GetObject"]}]}'
    admin.get("/console/iam/policies")
    made = admin.post(
        "/console/iam/policies",
        {"display_name": title, "description": "Get only", "type": "AX", "policy": document},
    )
    assert made.status_code == 303, made.text
    page = admin.get("/console/iam/policies")
    row = re.search(rf'<tr class="policy" data-name="{title}" data-id="([^"]+)">.*?</tr>', page.text, re.S)
    assert row
    assert '<pre class="json">{\n  &#34;Version&#34;: &#34;1.1&#34;,' in row.group(0)

    broken = admin.post(
        "/console/iam/policies",
        {"display_name": title + "-2", "policy": "{not json"},
        headers={"Referer": f"{server.url}/console/iam/policies"},
    )
    assert broken.status_code == 303
    page = admin.get("/console/iam/policies")
    assert any("not valid JSON" in m for m in _flash_errors(page))
    assert f'data-name="{title}-2"' not in page.text

    assert admin.post(f"/console/iam/policies/{row.group(1)}/delete").status_code == 303
    assert f'data-name="{title}"' not in admin.get("/console/iam/policies").text


# --- the audit log ---------------------------------------------------------------------------
def test_the_audit_log_lists_the_consoles_own_actions(server: Welkin, admin: ConsoleClient) -> None:
    name = _name("audited")
    make_user(server, name, [])
    admin.get("/console/iam/groups")
    assert admin.post("/console/iam/groups", {"name": name}).status_code == 303
    page = admin.get("/console/iam/audit")
    assert page.status_code == 200
    assert 'id="audit"' in page.text
    events = re.findall(r'<tr class="event" data-service="([^"]+)" data-action="([^"]+)">', page.text)
    assert events[0] == ("console", "CreateGroup"), events[:5]
    row = re.search(r'<tr class="event".*?</tr>', page.text, re.S)
    assert row
    assert "admin" in row.group(0)
    assert "/console/iam/groups" in row.group(0)
    assert "127.0.0.1" in row.group(0)


def test_the_audit_log_pages_back_in_time(server: Welkin, admin: ConsoleClient) -> None:
    admin.get("/console/iam/groups")
    for _ in range(3):
        admin.post("/console/iam/groups", {"name": _name("pager")})
    first = admin.get("/console/iam/audit")
    times = re.findall(r'<tr class="event".*?<td class="small nowrap">([^<]+)</td>', first.text, re.S)
    assert times == sorted(times, reverse=True)
    # Fewer than a page: no "Older" link; an explicit "before" returns only earlier events.
    newest = times[0]
    before = newest.replace(" UTC", "+00:00").replace(" ", "T")
    earlier = admin.get("/console/iam/audit", before=before)
    assert earlier.status_code == 200
    later = re.findall(r'<tr class="event".*?<td class="small nowrap">([^<]+)</td>', earlier.text, re.S)
    assert all(t < newest for t in later)
    assert admin.get("/console/iam/audit", before="yesterday").status_code == 400


# --- escaping --------------------------------------------------------------------------------
def test_user_controlled_strings_render_as_text(server: Welkin, admin: ConsoleClient) -> None:
    name = _name("xss")
    admin.get("/console/iam/users")
    made = admin.post("/console/iam/users", {"name": name, "description": XSS, "password": "Xss-pass-12345"})
    user_page = admin.get(made.headers["location"])
    assert _text(user_page, "user-description") == XSS
    group = _name("xss-group")
    admin.post("/console/iam/groups", {"name": group, "description": XSS})
    admin.get("/console/iam/policies")
    document = '{"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["obs:object:GetObject"]}]}'
    admin.post(
        "/console/iam/policies", {"display_name": _name("p") + XSS, "description": XSS, "policy": document}
    )
    # An API call whose path carries markup: the audit log records the path as sent.
    token = admin.http.post(
        "/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "password": ROOT_PASSWORD, "domain": {"name": "admin"}}
                    },
                },
                "scope": {"domain": {"name": "admin"}},
            }
        },
    ).headers["x-subject-token"]
    # (No "/" in it: a %2F would split the path and reach no route, and record nothing.)
    img = "<img src=x onerror=alert(1)>"
    refused = admin.http.delete(f"/v3/users/{quote(img, safe='')}", headers={"X-Auth-Token": token})
    assert refused.status_code == 404
    for path in (
        "/console/iam/users",
        user_page.url.path,
        "/console/iam/groups",
        "/console/iam/policies",
        "/console/iam/audit",
    ):
        page = admin.get(path)
        assert page.status_code == 200
        assert XSS not in page.text, path
    audit = admin.get("/console/iam/audit").text
    assert img not in audit
    assert html.escape(img, quote=False) in audit
    assert "&lt;script&gt;" in admin.get("/console/iam/groups").text


# --- who may do what -------------------------------------------------------------------------
def test_an_iam_reader_sees_no_buttons_and_a_forced_change_is_refused(
    server: Welkin, admin: ConsoleClient, new_client: NewClient
) -> None:
    reader = _name("reader")
    make_user(server, reader, ["IAM ReadOnlyAccess"])
    client = _signed_in(new_client, reader)
    users = client.get("/console/iam/users")
    assert users.status_code == 200
    assert 'class="user" data-name="admin"' in users.text
    groups = client.get("/console/iam/groups")
    policies = client.get("/console/iam/policies")
    assert 'id="system-roles"' in policies.text
    for page in (users, groups, policies):
        assert "<form" in page.text  # sign-out only
        assert not re.search(r'id="create-(user|group|policy)"|class="delete-|id="grant-role"', page.text)
    admin_id = _row_id(users, "user", "admin")
    admin_page = client.get(f"/console/iam/users/{admin_id}")
    assert 'id="delete-user"' not in admin_page.text
    assert 'id="add-to-group"' not in admin_page.text
    group_id = _row_id(groups, "group", "admin")
    assert not re.search(
        r'id="(add-member|grant-role|delete-group)"', client.get(f"/console/iam/groups/{group_id}").text
    )

    victim = _name("victim")
    victim_id = make_user(server, victim, [])
    forced = [
        ("/console/iam/users", {"name": _name("sneaky"), "password": "Sneaky-pass-123"}),
        (f"/console/iam/users/{victim_id}/status", {"enabled": "false"}),
        (f"/console/iam/users/{victim_id}/delete", {}),
        ("/console/iam/groups", {"name": _name("sneaky")}),
        (f"/console/iam/groups/{group_id}/members", {"user": victim_id}),
        (
            "/console/iam/policies",
            {
                "display_name": "sneaky",
                "policy": '{"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["*:*:*"]}]}',
            },
        ),
        ("/console/iam/grants", {"group": group_id, "role": "x", "scope": "account"}),
        ("/console/iam/keys", {"user": victim_id}),
    ]
    for path, fields in forced:
        answer = client.post(path, fields)
        assert answer.status_code == 403, (path, answer.status_code)
    victim_page = admin.get(f"/console/iam/users/{victim_id}")
    assert "badge ok" in victim_page.text  # still enabled
    assert f'class="member" data-name="{victim}"' not in admin.get(f"/console/iam/groups/{group_id}").text
    assert "sneaky" not in admin.get("/console/iam/users").text
    assert "sneaky" not in admin.get("/console/iam/groups").text
    assert "sneaky" not in admin.get("/console/iam/policies").text
    assert 'class="key"' not in admin.get("/console/iam/keys", user=victim_id).text


def test_a_user_without_iam_permissions_gets_only_their_own_keys(
    server: Welkin, admin: ConsoleClient, new_client: NewClient
) -> None:
    plain = _name("plain")
    make_user(server, plain, ["OBS ReadOnlyAccess"])
    client = _signed_in(new_client, plain)
    for path in ("/console/iam/users", "/console/iam/groups", "/console/iam/policies", "/console/iam/audit"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert 'id="create-' not in page.text
        # Still among the identity tabs, with the way to their own keys.
        assert 'id="denied"' in page.text
        assert '<nav class="tabs" aria-label="Identity">' in page.text
    assert client.get("/console/iam/keys").status_code == 200
    admin_id = _row_id(admin.get("/console/iam/users"), "user", "admin")
    assert client.get("/console/iam/keys", user=admin_id).status_code == 403
    assert client.post("/console/iam/keys", {"user": admin_id}).status_code == 403
    assert client.post("/console/iam/users", {"name": _name("sneaky")}).status_code == 403


def test_another_accounts_administrator_sees_only_their_own_account(
    server: Welkin, admin: ConsoleClient, new_client: NewClient
) -> None:
    other = _name("acct")
    make_account(server, other)
    admin_users = admin.get("/console/iam/users")
    mine = _row_id(admin_users, "user", "admin")
    admin_group = _row_id(admin.get("/console/iam/groups"), "group", "admin")
    client = _signed_in(new_client, other, account=other)
    users = client.get("/console/iam/users")
    assert re.findall(r'<tr class="user" data-name="([^"]+)"', users.text) == [other]
    assert client.get(f"/console/iam/users/{mine}").status_code == 404
    assert client.get(f"/console/iam/groups/{admin_group}").status_code == 404
    assert client.get("/console/iam/keys", user=mine).status_code == 404
    assert client.post(f"/console/iam/users/{mine}/delete").status_code == 404
    events = client.get("/console/iam/audit")
    assert "CreateGroup" not in events.text or "/console/iam/groups" not in events.text


@pytest.mark.parametrize("path", ["/console/iam/users", "/console/iam/keys", "/console/iam/audit"])
def test_identity_pages_need_a_session(server: Welkin, new_client: NewClient, path: str) -> None:
    answer = new_client().http.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")
