"""Code packages: what is refused before anything is stored, and what unpacking produces."""

from __future__ import annotations

import base64
import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from welkin.functions.code import CodeStore
from welkin.functions.errors import CodeTooLarge, InvalidCode
from welkin.functions.models import CodeType
from welkin.functions.packages import PackageLimits, check_zip, single_file_package, unpack
from welkin.functions.sources import CodeInput, CodeSources
from welkin.iam.models import AuthMethod, Principal

LIMITS = PackageLimits(max_unpacked_bytes=1 << 20, max_entries=50)
PRINCIPAL = Principal("a" * 32, "acme", "u" * 32, "alice", AuthMethod.ACCESS_KEY, "p" * 32, False)


def make_zip(*entries: tuple[str | zipfile.ZipInfo, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return out.getvalue()


def link(name: str, target: str) -> tuple[zipfile.ZipInfo, str]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


@pytest.mark.parametrize(
    ("package", "complaint"),
    [
        (b"not a zip at all", "not a valid zip"),
        (make_zip(("../up.py", "x")), "leads out"),
        (make_zip(("a/../../up.py", "x")), "leads out"),
        (make_zip((zipfile.ZipInfo("/abs.py"), "x")), "absolute"),
        (make_zip(("C:/win.py", "x")), "absolute"),
        (make_zip(("back\\slash.py", "x")), "backslash"),
        (make_zip(link("etc", "/etc")), "link out"),
        (make_zip(link("up", "../../x")), "link out"),
        (make_zip(("big.bin", b"\0" * ((1 << 20) + 1))), "unpacks to more than"),
        (make_zip(*[(f"f{i}.py", "") for i in range(51)]), "51 entries"),
    ],
)
def test_refused_packages(package: bytes, complaint: str) -> None:
    with pytest.raises(InvalidCode, match=complaint):
        check_zip(package, LIMITS)


def test_duplicate_names_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.py", "1")
        with pytest.warns(UserWarning, match="Duplicate"):
            archive.writestr("a.py", "2")
    with pytest.raises(InvalidCode, match="twice"):
        check_zip(out.getvalue(), LIMITS)


def test_encrypted_entries_are_refused() -> None:
    package = bytearray(make_zip(("a.py", "x = 1\n")))
    # Set the "encrypted" flag bit in the local and the central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = package.index(signature) + offset
        package[at] |= 0x1
    with pytest.raises(InvalidCode, match="encrypted"):
        check_zip(bytes(package), LIMITS)


def test_a_chain_of_links_cannot_lead_out(tmp_path: Path) -> None:
    # d/l -> .. stays inside by itself, but d/l/l2 -> .. is then the package's parent.
    package = make_zip(link("d/l", ".."), link("d/l/l2", ".."), ("d/l/l2/escaped.py", "x"))
    check_zip(package, LIMITS)  # each link alone looks harmless
    target = tmp_path / "code"
    target.mkdir()
    with pytest.raises(InvalidCode, match="link out"):
        unpack(package, target, LIMITS)
    assert not (tmp_path / "escaped.py").exists()


def test_a_lying_header_is_stopped_while_unpacking(tmp_path: Path) -> None:
    package = bytearray(make_zip(("zeros.bin", b"\0" * 100_000)))
    # Claim 10 bytes uncompressed in both headers; the data inflates to much more.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = package.index(signature) + offset
        package[at : at + 4] = (10).to_bytes(4, "little")
    assert check_zip(bytes(package), LIMITS) == 10
    target = tmp_path / "code"
    target.mkdir()
    with pytest.raises(InvalidCode, match="damaged"):
        unpack(bytes(package), target, LIMITS)


def test_single_file_packages_are_reproducible() -> None:
    first = single_file_package("index.py", b"print(1)\n")
    assert first == single_file_package("index.py", b"print(1)\n")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["index.py"]
    with pytest.raises(InvalidCode):
        single_file_package("../index.py", b"")


async def test_store_keeps_each_package_once_read_only(tmp_path: Path) -> None:
    store = CodeStore(tmp_path / "functions", LIMITS)
    package = make_zip(("index.py", "x = 1\n"), ("pkg/mod.py", "y = 2\n"), link("alias.py", "index.py"))
    first = await store.add(package)
    second = await store.add(package)
    assert first == second
    assert first.size == len(package)
    assert len(first.sha512) == 128
    code = store.code_dir(first.sha256)
    assert (code / "pkg" / "mod.py").read_text() == "y = 2\n"
    assert (code / "alias.py").read_text() == "x = 1\n"
    for path in (code, code / "pkg"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o555
    assert stat.S_IMODE((code / "index.py").stat().st_mode) == 0o444
    assert await store.read(first.sha256) == package
    assert os.listdir(tmp_path / "functions" / "tmp") == []


async def test_store_refusal_leaves_nothing(tmp_path: Path) -> None:
    store = CodeStore(tmp_path / "functions", LIMITS)
    with pytest.raises(InvalidCode):
        await store.add(make_zip(("../x.py", "")))
    root = tmp_path / "functions"
    assert [list((root / d).iterdir()) for d in ("packages", "code", "tmp")] == [[], [], []]


async def test_base64_may_be_wrapped_but_not_damaged() -> None:
    sources = CodeSources(None, 1 << 20)
    package = make_zip(("index.py", "x = 1\n" * 50))
    wrapped = base64.encodebytes(package).decode()  # 76 characters a line, as `base64` writes
    assert "\n" in wrapped
    received = await sources.receive(
        PRINCIPAL, CodeInput(CodeType.ZIP, wrapped, None, None), "index.handler", CodeType.ZIP
    )
    assert received.package == package
    for damaged in ("%%%%", base64.b64encode(package).decode()[:-3]):
        with pytest.raises(InvalidCode, match="base64"):
            await sources.receive(
                PRINCIPAL, CodeInput(CodeType.ZIP, damaged, None, None), "i.h", CodeType.ZIP
            )
    big = base64.b64encode(b"\0" * ((1 << 20) + 10)).decode()
    with pytest.raises(CodeTooLarge):
        await sources.receive(PRINCIPAL, CodeInput(CodeType.ZIP, big, None, None), "i.h", CodeType.ZIP)
