"""``welkin obs`` against a real ``welkin up``: buckets, transfers, sync, presigned URLs, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.conftest import Welkin

MIB = 1024 * 1024


@pytest.fixture
def obs(tenant_login: Cli) -> Cli:
    """A CLI whose default profile is a new account's access key, so S3 requests sign with it."""
    return tenant_login


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _keys(obs: Cli, path: str) -> list[str]:
    return sorted(row["key"] for row in obs.json("obs", "ls", "-r", path))


def test_mb_ls_cp_up_and_down_and_stat(obs: Cli, tmp_path: Path) -> None:
    assert "Bucket default/photos created." in obs.ok("obs", "mb", "default/photos")
    assert [b["name"] for b in obs.json("obs", "ls")] == ["photos"]
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    copied = obs.json("obs", "cp", str(photo), "default/photos/2025/")
    assert copied == [
        {"action": "copy", "source": str(photo), "destination": "default/photos/2025/photo.jpg", "size": 20}
    ]
    top = obs.json("obs", "ls", "default/photos")
    assert [(r["type"], r["key"]) for r in top] == [("dir", "2025/")]
    info = obs.json("obs", "stat", "default/photos/2025/photo.jpg")
    assert info["size"] == 20
    assert info["path"] == "default/photos/2025/photo.jpg"
    assert obs.json("obs", "stat", "default/photos")["type"] == "bucket"
    down = tmp_path / "down"
    down.mkdir()
    obs.ok("obs", "cp", "default/photos/2025/photo.jpg", str(down))
    assert (down / "photo.jpg").read_bytes() == photo.read_bytes()


def test_a_20_mib_file_goes_multipart_both_ways(obs: Cli, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * MIB))
    obs.ok("obs", "mb", "default/big")
    result = obs.run("obs", "cp", str(big), "default/big/big.bin", "--progress", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["size"] == 20 * MIB
    assert "MB" in result.stderr  # the progress bar went to stderr, not into the JSON
    etag = obs.json("obs", "stat", "default/big/big.bin")["etag"]
    assert etag.endswith("-3"), etag  # three 8 MiB parts
    obs.ok("obs", "cp", "default/big/big.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == big.read_bytes()


def test_recursive_copies_local_remote_remote_local(obs: Cli, tmp_path: Path) -> None:
    site = _tree(
        tmp_path / "site", {"index.html": b"<h1>hi</h1>", "css/a.css": b"a{}", "img/x/y.png": b"png"}
    )
    obs.ok("obs", "mb", "default/www")
    obs.ok("obs", "cp", "-r", str(site), "default/www/v1/")
    assert _keys(obs, "default/www") == ["v1/css/a.css", "v1/img/x/y.png", "v1/index.html"]
    obs.ok("obs", "cp", "-r", "default/www/v1", "default/www/v2")
    assert _keys(obs, "default/www/v2/") == ["v2/css/a.css", "v2/img/x/y.png", "v2/index.html"]
    back = tmp_path / "back"
    obs.ok("obs", "cp", "-r", "default/www/v2/", str(back))
    assert sorted(p.relative_to(back).as_posix() for p in back.rglob("*") if p.is_file()) == [
        "css/a.css",
        "img/x/y.png",
        "index.html",
    ]
    assert (back / "img/x/y.png").read_bytes() == b"png"
    not_recursive = obs.run("obs", "cp", str(site), "default/www/")
    assert not_recursive.returncode == 2
    assert "add -r" in not_recursive.stderr


def test_sync_copies_what_differs_and_deletes_with_delete(obs: Cli, tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", {"a.txt": b"one", "sub/b.txt": b"two"})
    obs.ok("obs", "mb", "default/mirror")
    first = obs.json("obs", "sync", str(src), "default/mirror")
    assert sorted(r["destination"] for r in first) == ["default/mirror/a.txt", "default/mirror/sub/b.txt"]
    assert obs.json("obs", "sync", str(src), "default/mirror") == []
    (src / "a.txt").write_bytes(b"one, longer")
    (src / "c.txt").write_bytes(b"three")
    (src / "sub" / "b.txt").unlink()
    second = obs.json("obs", "sync", str(src), "default/mirror", "--delete")
    assert sorted((r["action"], r["destination"]) for r in second) == [
        ("copy", "default/mirror/a.txt"),
        ("copy", "default/mirror/c.txt"),
        ("delete", "default/mirror/sub/b.txt"),
    ]
    assert _keys(obs, "default/mirror") == ["a.txt", "c.txt"]
    local = tmp_path / "local"
    assert len(obs.json("obs", "sync", "default/mirror", str(local))) == 2
    assert obs.json("obs", "sync", "default/mirror", str(local)) == []  # mtimes were carried over
    assert (local / "a.txt").read_bytes() == b"one, longer"


def test_mv_and_rm(obs: Cli, tmp_path: Path) -> None:
    obs.ok("obs", "mb", "default/box")
    note = tmp_path / "note.txt"
    note.write_text("note")
    obs.ok("obs", "mv", str(note), "default/box/inbox/note.txt")
    assert not note.exists()
    obs.ok("obs", "mv", "default/box/inbox/note.txt", "default/box/archive/")
    assert _keys(obs, "default/box") == ["archive/note.txt"]
    _tree(tmp_path / "many", {f"f{i}.txt": b"x" for i in range(5)})
    obs.ok("obs", "cp", "-r", str(tmp_path / "many"), "default/box/many/")
    removed = obs.json("obs", "rm", "-r", "default/box/many/")
    assert len(removed["deleted"]) == 5
    obs.ok("obs", "rm", "default/box/archive/note.txt")
    assert _keys(obs, "default/box") == []
    missing = obs.run("obs", "rm", "default/box/archive/note.txt")
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr


def test_rb_needs_force_for_a_bucket_with_objects(obs: Cli, tmp_path: Path) -> None:
    obs.ok("obs", "mb", "default/full")
    _tree(tmp_path / "t", {"a": b"1", "b/c": b"2"})
    obs.ok("obs", "cp", "-r", str(tmp_path / "t"), "default/full")
    refused = obs.run("obs", "rb", "default/full")
    assert refused.returncode == 1
    assert "BucketNotEmpty" in refused.stderr
    done = obs.json("obs", "rb", "default/full", "--force")
    assert done["objects_deleted"] == 2
    assert obs.json("obs", "ls") == []


def test_presign_gives_a_url_that_works_without_credentials(obs: Cli, tmp_path: Path) -> None:
    obs.ok("obs", "mb", "default/share")
    (tmp_path / "hello.txt").write_text("hello, world")
    obs.ok("obs", "cp", str(tmp_path / "hello.txt"), "default/share/")
    url = obs.ok("obs", "presign", "default/share/hello.txt", "--expires", "7d").strip()
    assert "X-Amz-Expires=604800" in url
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.text == "hello, world"
    assert obs.run("obs", "presign", "default/share/hello.txt", "--expires", "8d").returncode == 2
    assert obs.run("obs", "presign", "default/share/hello.txt", "--expires", "soon").returncode == 2


def test_errors_are_one_line_with_exit_codes(obs: Cli, tmp_path: Path) -> None:
    no_bucket = obs.run("obs", "ls", "default/nosuch")
    assert no_bucket.returncode == 1
    assert "NoSuchBucket" in no_bucket.stderr
    assert len(no_bucket.stderr.strip().splitlines()) == 1
    no_object = obs.run("obs", "stat", "default/nosuch/key")
    assert no_object.returncode == 1
    bad_alias = obs.run("obs", "mb", "nosuch/bucket")
    assert bad_alias.returncode == 2
    assert "no profile named 'nosuch'" in bad_alias.stderr
    both_local = obs.run("obs", "cp", str(tmp_path), str(tmp_path / "x"), "-r")
    assert both_local.returncode == 2
    no_file = obs.run("obs", "cp", str(tmp_path / "missing"), "default/nosuch/")
    assert no_file.returncode == 1
    for result in (no_bucket, no_object, bad_alias, both_local, no_file):
        assert "Traceback" not in result.stderr


def test_a_password_profile_uses_a_temporary_key(root_cli: Cli, welkin: Welkin) -> None:
    root_cli.ok("obs", "mb", "default/viatoken")
    assert [b["name"] for b in root_cli.json("obs", "ls")] == ["viatoken"]
    out = root_cli.run("obs", "ls", "-o", "json")
    assert welkin.password not in out.stdout + out.stderr
