"""Signing in and out of the console, its cookies, CSRF and Origin checks, and the login limit."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import ROOT_PASSWORD, Welkin
from tests.console.conftest import PASSWORD, ConsoleClient, make_user

NewClient = Callable[[], ConsoleClient]


def _cookie_header(response_headers: list[str], name: str) -> str:
    return next(h for h in response_headers if h.startswith(f"{name}="))


def test_sign_in_sets_a_strict_session_cookie_and_shows_who(server: Welkin, new_client: NewClient) -> None:
    client = new_client()
    signed = client.sign_in("admin", "admin", ROOT_PASSWORD)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/console/"
    cookie = _cookie_header(signed.headers.get_list("set-cookie"), "welkin_console")
    assert "HttpOnly" in cookie
    assert "Path=/console" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the https test
    page = client.get("/console/")
    assert page.status_code == 200
    assert re.search(r'id="signed-in-as"[^>]*>admin @ admin<', page.text)
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_cookies_are_secure_behind_tls(server: Welkin, new_client: NewClient) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as from a local TLS proxy. The client
    # speaks plain HTTP, so it is handed the Secure cookies by hand.
    http = new_client().http
    http.headers.update({"X-Forwarded-Proto": "https", "Origin": f"https://{server.host}"})
    form = http.get("/console/login")
    login_cookie = _cookie_header(form.headers.get_list("set-cookie"), "welkin_console_login")
    assert "Secure" in login_cookie
    token = login_cookie.split(";", 1)[0].split("=", 1)[1]
    fields = {"login_csrf": token, "account": "admin", "user": "admin", "password": ROOT_PASSWORD}
    signed = http.post("/console/login", data=fields, headers={"Cookie": f"welkin_console_login={token}"})
    assert signed.status_code == 303, signed.text
    assert "Secure" in _cookie_header(signed.headers.get_list("set-cookie"), "welkin_console")


def test_a_wrong_password_and_an_unknown_user_read_the_same(server: Welkin, new_client: NewClient) -> None:
    answers = []
    for account, user in (("admin", "admin"), ("admin", "nobody"), ("no-such-account", "admin")):
        client = new_client()
        answer = client.sign_in(account, user, "wrong-password-1")
        answers.append((answer.status_code, re.findall(r'class="flash error"[^>]*>([^<]*)<', answer.text)))
        assert "welkin_console=" not in answer.headers.get("set-cookie", "")
    assert answers[0] == answers[1] == answers[2]
    assert answers[0] == (401, ["The account name, user name or password is wrong."])


def test_sign_out_ends_the_session_for_good(server: Welkin, new_client: NewClient) -> None:
    client = new_client()
    client.sign_in("admin", "admin", ROOT_PASSWORD)
    cookie = client.http.cookies["welkin_console"]
    out = client.post("/console/logout")
    assert out.status_code == 303
    assert out.headers["location"] == "/console/login"
    replay = new_client()
    replay.http.cookies.set("welkin_console", cookie, path="/console")
    again = replay.http.get("/console/")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/console/login")


def test_posts_need_the_csrf_token_and_the_consoles_origin(server: Welkin, new_client: NewClient) -> None:
    client = new_client()
    client.sign_in("admin", "admin", ROOT_PASSWORD)
    page = "http://" + server.host + "/console/"
    no_token = client.http.post("/console/logout", data={}, headers={"Referer": page})
    assert no_token.status_code == 303  # back where it came from, with the error shown
    assert "did not come from the console" in client.get("/console/").text
    wrong = client.http.post("/console/logout", data={"csrf": "x" * 43})
    assert wrong.status_code == 403
    for origin in ("null", "http://evil.example"):
        refused = client.http.post("/console/logout", data={"csrf": client.csrf}, headers={"Origin": origin})
        assert refused.status_code == 403, origin
    assert client.get("/console/").status_code == 200  # still signed in: nothing above took effect


def test_a_sign_in_form_from_elsewhere_is_refused(server: Welkin, new_client: NewClient) -> None:
    client = new_client()
    fields = {"login_csrf": "forged", "account": "admin", "user": "admin", "password": ROOT_PASSWORD}
    answer = client.http.post("/console/login", data=fields)
    assert answer.status_code == 403
    assert "welkin_console=" not in answer.headers.get("set-cookie", "")
    other = client.http.post("/console/login", data=fields, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403


def test_failed_sign_ins_are_limited_without_saying_whether_the_user_exists(
    server: Welkin, new_client: NewClient
) -> None:
    make_user(server, "guessed", [])
    statuses = {}
    for user in ("guessed", "never-existed"):
        client = new_client()
        codes = [client.sign_in("admin", user, f"wrong-{i}").status_code for i in range(11)]
        statuses[user] = codes
        assert codes[:10] == [401] * 10
        refused = client.sign_in("admin", user, PASSWORD)  # even the right password, for now
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "Too many failed sign-ins" in refused.text
    assert statuses["guessed"] == statuses["never-existed"]


def test_next_only_leads_to_console_pages(server: Welkin, new_client: NewClient) -> None:
    for target, lands in (("/console/obs", "/console/obs"), ("//evil.example/x", "/console/")):
        client = new_client()
        form = client.http.get("/console/login", params={"next": target})
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token
        fields = {
            "login_csrf": token.group(1),
            "account": "admin",
            "user": "admin",
            "password": ROOT_PASSWORD,
        }
        answer = client.http.post("/console/login", data={**fields, "next": target})
        assert answer.headers["location"] == lands


def test_a_page_without_a_session_goes_to_sign_in(server: Welkin, new_client: NewClient) -> None:
    answer = new_client().http.get("/console/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/"


def test_a_page_that_does_not_exist_is_a_console_page_saying_so(admin: ConsoleClient) -> None:
    missing = admin.get("/console/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "There is no console page at /console/no-such-page." in missing.text
