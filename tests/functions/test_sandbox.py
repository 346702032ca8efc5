"""Each point of the sandbox, proved from inside a function."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import welkin.runtime
from tests.functions.conftest import UIDS, body, call, deploy
from welkin.functions.pool import FunctionPool

PROBE = """
import errno, os

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))

def handler(event, context):
    def read(path):
        with open(path, "rb") as f:
            f.read()
    return {key: attempt(lambda path=path: read(path)) for key, path in event["read"].items()} | {
        "listdir": {path: attempt(lambda path=path: os.listdir(path)) for path in event.get("list", [])},
    }
"""

RUNTIME = os.path.realpath(os.path.dirname(welkin.runtime.__file__))


async def test_cannot_read_the_data_dir_the_database_or_another_functions_code(
    sandboxed: FunctionPool, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "welkin.db").write_bytes(b"SQLite format 3\x00 secrets")
    os.chmod(data, 0o755)  # noqa: S103 - reachable to anyone: the sandbox must hide it
    os.chmod(data / "welkin.db", 0o644)  # readable by anyone who can reach it: the sandbox must hide it
    other = deploy(tmp_path, "SECRET = 'other code'\ndef handler(event, context):\n    return 1\n")
    spec = deploy(tmp_path, PROBE)
    event = {
        "read": {
            "database": str(data / "welkin.db"),
            "other_code": str(other.code_dir / "index.py"),
            "own_code": "/opt/function/code/index.py",
            "host_passwd": "/etc/shadow",
        },
        "list": [str(data), str(tmp_path), "/opt/function", "/"],
    }
    seen = body(await call(sandboxed, spec, event))
    assert seen["database"] == "ENOENT"
    assert seen["other_code"] == "ENOENT"
    assert seen["own_code"] == "ok"
    assert seen["host_passwd"] == "ENOENT"
    assert seen["listdir"][str(data)] == "ENOENT"
    assert seen["listdir"][str(tmp_path)] == "ENOENT"


async def test_sees_only_its_own_processes_and_cannot_signal_the_server(
    sandboxed: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        """
        import os

        def handler(event, context):
            server = event["server_pid"]
            try:
                os.kill(server, 0)
                signalled = "ok"
            except OSError as exc:
                signalled = type(exc).__name__
            return {
                "pid": os.getpid(),
                "procs": sorted(p for p in os.listdir("/proc") if p.isdigit()),
                "signalled": signalled,
                "server_mem": os.path.exists(f"/proc/{server}/mem"),
                "server_environ": os.path.exists(f"/proc/{server}/environ"),
            }
        """,
    )
    seen = body(await call(sandboxed, spec, {"server_pid": os.getpid()}))
    assert seen["pid"] == 1
    assert seen["procs"] == ["1"]
    assert seen["signalled"] == "ProcessLookupError"
    assert not seen["server_mem"]
    assert not seen["server_environ"]


async def test_runs_as_an_unprivileged_uid_of_its_own(sandboxed: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(
        tmp_path,
        """
        import os

        def handler(event, context):
            try:
                os.setuid(0)
                became_root = True
            except PermissionError:
                became_root = False
            with open("/proc/self/status") as status:
                fields = dict(line.split(":", 1) for line in status)
            return {"uids": os.getresuid(), "gids": os.getresgid(), "groups": os.getgroups(),
                    "became_root": became_root, "no_new_privs": fields["NoNewPrivs"].strip(),
                    "cap_eff": fields["CapEff"].strip()}
        """,
    )
    first = body(await call(sandboxed, spec))
    other = body(
        await call(sandboxed, deploy(tmp_path, "import os\ndef handler(e, c):\n    return os.getuid()\n"))
    )
    uid = first["uids"][0]
    assert uid in UIDS
    assert first["uids"] == [uid] * 3
    assert first["gids"] == [uid] * 3
    assert first["groups"] == []
    assert not first["became_root"]
    assert first["no_new_privs"] == "1"
    assert int(first["cap_eff"], 16) == 0
    assert other != uid  # each instance its own uid, so RLIMIT_NPROC counts per instance


async def test_inherited_descriptors_are_closed(make_pool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    leaked = os.open(tmp_path, os.O_RDONLY)
    os.set_inheritable(leaked, True)
    try:
        pool = await make_pool()
        spec = deploy(
            tmp_path,
            """
            import os

            def handler(event, context):
                fds = {}
                for fd in os.listdir("/proc/self/fd"):
                    try:
                        fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
                    except FileNotFoundError:
                        pass  # listdir's own descriptor, closed by now
                return fds
            """,
        )
        fds = body(await call(pool, spec))
    finally:
        os.close(leaked)
    # stdin (/dev/null), the two log pipes, the instance socket; nothing else.
    assert sorted(fds, key=int) == ["0", "1", "2", "3"]
    assert fds["0"].endswith("null")
    assert fds["1"].startswith("pipe:")
    assert fds["2"].startswith("pipe:")
    assert fds["3"].startswith("socket:")


async def test_tmp_is_private_and_size_capped_and_the_root_is_read_only(
    sandboxed: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        """
        import errno, os

        def attempt(action):
            try:
                action()
                return "ok"
            except OSError as exc:
                return errno.errorcode[exc.errno]

        def write(path, size):
            with open(path, "wb") as f:
                f.write(b"x" * size)

        def handler(event, context):
            return {
                "seen_before": os.listdir("/tmp"),
                "small": attempt(lambda: write("/tmp/mark", 1024)),
                "too_big": attempt(lambda: write("/tmp/big", 16 << 20)),
                "root": attempt(lambda: write("/newfile", 1)),
                "code": attempt(lambda: write("/opt/function/code/index.py", 1)),
                "usr": attempt(lambda: write("/usr/lib/x", 1)),
                "devnull": attempt(lambda: write("/dev/null", 1)),
                "dev": sorted(os.listdir("/dev")),
            }
        """,
    )
    other = deploy(tmp_path, "import os\ndef handler(e, c):\n    return os.listdir('/tmp')\n")
    seen = body(await call(sandboxed, spec))
    # Empty, unless Welkin itself lives under /tmp: then its runtime is bound inside this tmpfs.
    empty = [RUNTIME.split("/")[2]] if RUNTIME.startswith("/tmp/") else []
    assert seen["seen_before"] == empty
    assert seen["small"] == "ok"
    assert seen["too_big"] in ("ENOSPC", "EFBIG")  # tmpfs size=8m, and RLIMIT_FSIZE
    assert seen["root"] == seen["code"] == seen["usr"] == "EROFS"
    assert seen["devnull"] == "ok"
    assert seen["dev"] == ["fd", "null", "random", "stderr", "stdin", "stdout", "urandom", "zero"]
    assert body(await call(sandboxed, other)) == empty  # another instance does not see the mark
    assert "mark" not in os.listdir("/tmp")  # nor does the host


async def test_a_function_without_network_cannot_connect(sandboxed: FunctionPool, tmp_path: Path) -> None:
    source = """
        import socket

        def handler(event, context):
            try:
                socket.create_connection(("127.0.0.1", event["port"]), timeout=2).close()
                return "connected"
            except OSError as exc:
                return type(exc).__name__
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        offline = deploy(tmp_path, source, network=False)
        online = deploy(tmp_path, source, network=True)
        assert body(await call(sandboxed, offline, {"port": port})) != "connected"
        assert body(await call(sandboxed, online, {"port": port})) == "connected"


async def test_the_environment_is_the_documented_one(pool: FunctionPool, tmp_path: Path) -> None:
    os.environ["WELKIN_TEST_SERVER_SECRET"] = "must-not-leak"
    try:
        spec = deploy(
            tmp_path,
            "import os\ndef handler(e, c):\n    return dict(os.environ)\n",
            environment={"GREETING": "hi"},
        )
        env = body(await call(pool, spec))
    finally:
        del os.environ["WELKIN_TEST_SERVER_SECRET"]
    assert "WELKIN_TEST_SERVER_SECRET" not in env
    assert env["GREETING"] == "hi"
    assert env["RUNTIME_FUNC_NAME"] == spec.name
    assert env["RUNTIME_PROJECT_ID"] == "proj0001"
    assert {"WELKIN_ENDPOINT", "OBS_ENDPOINT", "RUNTIME_HANDLER", "RUNTIME_MEMORY"} <= set(env)
