"""Delimiter listings whose pages mix keys and common prefixes, page by page."""

from __future__ import annotations

from typing import Any


def test_mixed_keys_and_prefixes_page_by_page(s3: Any, bucket: str) -> None:
    keys = [f"top{i:02d}" for i in range(5)]
    keys += [f"dir{i:02d}/file{j}" for i in range(12) for j in range(3)]
    keys += [f"mix/{i:02d}" for i in range(4)] + ["mix/sub/a", "mix/sub/b", "mix/zz"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    expected = sorted({key if "/" not in key else key.split("/")[0] + "/" for key in keys})

    for max_keys in (1, 2, 5, 1000):
        seen: list[str] = []
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": max_keys}
        )
        for page in pages:
            seen += [entry["Key"] for entry in page.get("Contents", [])]
            seen += [common["Prefix"] for common in page.get("CommonPrefixes", [])]
        assert sorted(seen) == expected

    inside = s3.list_objects_v2(Bucket=bucket, Prefix="mix/", Delimiter="/")
    assert [entry["Key"] for entry in inside["Contents"]] == [f"mix/{i:02d}" for i in range(4)] + ["mix/zz"]
    assert [common["Prefix"] for common in inside["CommonPrefixes"]] == ["mix/sub/"]
