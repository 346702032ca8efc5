"""Wheels made by hand for tests that install dependencies offline (no build tools needed)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

# What examples/functions' requirements.txt files install: boto3 with its dependencies, and Pillow.
EXAMPLES_REQUIREMENTS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "pillow",
)


def build_wheel(directory: Path, name: str = "tinydep", version: str = "1.0") -> None:
    """A minimal pure-Python wheel, made by hand so the test needs no build tools."""
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{name}-{version}.dist-info/METADATA": metadata.encode(),
        f"{name}-{version}.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: welkin-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
        wheel.writestr(f"{name}-{version}.dist-info/RECORD", "\n".join(record) + "\n")


def repack_installed(directory: Path, *names: str) -> None:
    """Wheels of distributions installed here (pure Python), with their dependencies' names as
    they declare them, so a function's requirements.txt installs them offline."""
    from importlib.metadata import distribution

    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        dist = distribution(name)
        version = dist.version
        wheel_name = f"{dist.metadata['Name'].replace('-', '_')}-{version}-py3-none-any.whl"
        if (directory / wheel_name).exists():
            continue
        info = next(p for p in dist.files or () if p.parts[0].endswith(".dist-info"))
        dist_info = info.parts[0]
        record = []
        with zipfile.ZipFile(directory / wheel_name, "w", zipfile.ZIP_DEFLATED) as wheel:
            for path in dist.files or ():
                if "__pycache__" in path.parts or path.parts[0].startswith(".."):
                    continue
                if path.parts[0] == dist_info and path.name in (
                    "RECORD",
                    "INSTALLER",
                    "REQUESTED",
                    "direct_url.json",
                ):
                    continue
                data = Path(str(path.locate())).read_bytes()
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                record.append(f"{path.as_posix()},sha256={digest},{len(data)}")
                wheel.writestr(path.as_posix(), data)
            record.append(f"{dist_info}/RECORD,,")
            wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
