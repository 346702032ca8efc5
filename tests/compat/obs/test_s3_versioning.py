"""Versioning, version listings, lifecycle and notification configurations through boto3."""

from __future__ import annotations

from typing import Any

import defusedxml.ElementTree as SafeElementTree
import pytest
from botocore.exceptions import ClientError

from tests.compat.obs.conftest import error_code


def enable(s3: Any, bucket: str, status: str = "Enabled") -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def test_versioning_state_round_trip(s3: Any, bucket: str) -> None:
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    enable(s3, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_versioning_refuses_bad_documents(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        enable(s3, bucket, "On")
    assert error_code(exc) == "MalformedXML"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"}
        )
    assert error_code(exc) == "InvalidArgument"


def test_two_puts_make_two_versions(s3: Any, bucket: str) -> None:
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    old = s3.get_object(Bucket=bucket, Key="k", VersionId=v1)
    assert old["Body"].read() == b"one"
    assert old["VersionId"] == v1
    listed = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in listed] == [(v2, True), (v1, False)]


def test_delete_marker_hides_and_its_removal_restores(s3: Any, bucket: str) -> None:
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k")
    assert error_code(exc) == "NoSuchKey"
    headers = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amz-delete-marker"] == "true"
    assert headers["x-amz-version-id"] == marker
    listing = s3.list_object_versions(Bucket=bucket)
    assert [(m["VersionId"], m["IsLatest"]) for m in listing["DeleteMarkers"]] == [(marker, True)]
    assert [(v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [(v1, False)]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"


def test_delete_of_a_version_by_id(s3: Any, bucket: str) -> None:
    enable(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)["VersionId"] == v2
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["VersionId"], got["Body"].read()) == (v1, b"one")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", VersionId=v2)
    assert error_code(exc) == "NoSuchVersion"


def test_suspended_bucket_replaces_only_the_null_version(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")  # the "null" version
    enable(s3, bucket)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"versioned")["VersionId"]
    enable(s3, bucket, "Suspended")
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"s1")
    assert "VersionId" not in put or put["VersionId"] == "null"
    s3.put_object(Bucket=bucket, Key="k", Body=b"s2")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["VersionId"] for v in versions] == ["null", kept]
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"s2"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=kept)["Body"].read() == b"versioned"
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    assert deleted["VersionId"] == "null"
    listing = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in listing["Versions"]] == [kept]
    assert [m["VersionId"] for m in listing["DeleteMarkers"]] == ["null"]


def test_version_listing_order_prefixes_and_pages(s3: Any, bucket: str) -> None:
    enable(s3, bucket)
    made: dict[str, list[str]] = {}
    for key in ["a", "b", "dir/x", "dir/y", "c"]:
        for body in (b"1", b"2"):
            made.setdefault(key, []).insert(0, s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"])
    everything = s3.list_object_versions(Bucket=bucket)["Versions"]
    expected = [(k, v) for k in sorted(made) for v in made[k]]
    assert [(v["Key"], v["VersionId"]) for v in everything] == expected

    rolled = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["dir/"]
    assert sorted({v["Key"] for v in rolled["Versions"]}) == ["a", "b", "c"]
    under = s3.list_object_versions(Bucket=bucket, Prefix="dir/")["Versions"]
    assert {v["Key"] for v in under} == {"dir/x", "dir/y"}

    seen: list[tuple[str, str]] = []
    kwargs: dict[str, str] = {}
    pages = 0
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=3, **kwargs)
        pages += 1
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        kwargs = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert seen == expected
    assert pages == 4

    after_b = s3.list_object_versions(Bucket=bucket, KeyMarker="b")["Versions"]
    assert after_b[0]["Key"] == "c"
    after_prefix = s3.list_object_versions(Bucket=bucket, KeyMarker="dir/", Delimiter="/")
    assert "CommonPrefixes" not in after_prefix
    assert "Versions" not in after_prefix


def test_version_listing_interleaves_markers_in_key_and_age_order(s3: Any, bucket: str) -> None:
    enable(s3, bucket)
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    s3.delete_object(Bucket=bucket, Key="a")
    s3.put_object(Bucket=bucket, Key="b", Body=b"2")
    raw: list[bytes] = []

    def keep(http_response: Any, **_: Any) -> None:
        raw.append(http_response.content)

    s3.meta.events.register("after-call.s3.ListObjectVersions", keep)
    try:
        s3.list_object_versions(Bucket=bucket)
    finally:
        s3.meta.events.unregister("after-call.s3.ListObjectVersions", keep)
    root = SafeElementTree.fromstring(raw[0])
    order = [(child.tag.rsplit("}", 1)[-1], child.findtext("{*}Key")) for child in root]
    entries = [item for item in order if item[0] in ("Version", "DeleteMarker")]
    assert entries == [("DeleteMarker", "a"), ("Version", "a"), ("Version", "b")]


def test_version_listing_pages_past_common_prefixes(s3: Any, bucket: str) -> None:
    for key in ["p/1", "p/2", "q/1", "r"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    page = s3.list_object_versions(Bucket=bucket, Delimiter="/", MaxKeys=1)
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["p/"]
    assert page["IsTruncated"]
    assert page["NextKeyMarker"] == "p/"
    rest = s3.list_object_versions(Bucket=bucket, Delimiter="/", KeyMarker="p/")
    assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["q/"]
    assert [(v["Key"], v["VersionId"]) for v in rest["Versions"]] == [("r", "null")]


def test_version_listing_url_encoding_and_bad_arguments(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a b/ü", Body=b"x")
    listed = s3.list_object_versions(Bucket=bucket, EncodingType="url")
    # boto3 leaves the key encoded when the caller asked for the encoding itself.
    assert listed["Versions"][0]["Key"] == "a%20b/%C3%BC"
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="null")
    assert error_code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker="nope")
    assert error_code(exc) == "InvalidArgument"


LIFECYCLE = {
    "Rules": [
        {
            "ID": "logs",
            "Status": "Enabled",
            "Filter": {"Prefix": "logs/"},
            "Expiration": {"Days": 30},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
        },
        {
            "ID": "tagged",
            "Status": "Disabled",
            "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "t", "Value": "1"}]}},
            "Expiration": {"Date": "2030-01-01T00:00:00Z"},
        },
        {
            "ID": "markers",
            "Status": "Enabled",
            "Filter": {},
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        },
    ]
}


def test_lifecycle_configuration_round_trip(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(exc) == "NoSuchLifecycleConfiguration"
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["ID"] for r in rules] == ["logs", "tagged", "markers"]
    assert rules[0]["Filter"] == {"Prefix": "logs/"}
    assert rules[0]["Expiration"] == {"Days": 30}
    assert rules[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2}
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}
    assert rules[1]["Status"] == "Disabled"
    assert rules[1]["Filter"]["And"]["Tags"] == [{"Key": "t", "Value": "1"}]
    assert rules[1]["Expiration"]["Date"].year == 2030
    assert rules[2]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(exc) == "NoSuchLifecycleConfiguration"


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"ID": "x", "Status": "On", "Filter": {}, "Expiration": {"Days": 1}}, "MalformedXML"),
        ({"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}, "InvalidArgument"),
        ({"ID": "x", "Status": "Enabled", "Filter": {}}, "MalformedXML"),
        (
            {"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Date": "2030-01-01T05:00:00Z"}},
            "InvalidArgument",
        ),
        (
            {
                "ID": "x",
                "Status": "Enabled",
                "Filter": {"Tag": {"Key": "a", "Value": "b"}},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            },
            "InvalidArgument",
        ),
    ],
)
def test_lifecycle_configuration_validation(s3: Any, bucket: str, rule: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    assert error_code(exc) == code


def test_lifecycle_rule_ids_must_be_unique(s3: Any, bucket: str) -> None:
    rule = {"ID": "same", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule, rule]})
    assert error_code(exc) == "InvalidArgument"


NOTIFICATIONS = {
    "QueueConfigurations": [
        {
            "Id": "queue",
            "QueueArn": "arn:aws:sqs:local-1:123:q",
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}},
        }
    ],
    "TopicConfigurations": [
        {"Id": "topic", "TopicArn": "arn:aws:smn:local-1:123:t", "Events": ["s3:ObjectRemoved:Delete"]}
    ],
    "LambdaFunctionConfigurations": [
        {
            "Id": "fn",
            "LambdaFunctionArn": "urn:fss:local-1:123:function:default:thumb:latest",
            "Events": ["s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"],
            "Filter": {
                "Key": {
                    "FilterRules": [{"Name": "Prefix", "Value": "img/"}, {"Name": "Suffix", "Value": ".jpg"}]
                }
            },
        }
    ],
}


def test_notification_configuration_round_trip(s3: Any, bucket: str) -> None:
    empty = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not {"QueueConfigurations", "TopicConfigurations", "LambdaFunctionConfigurations"} & set(empty)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=NOTIFICATIONS)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    (queue,) = got["QueueConfigurations"]
    assert (queue["Id"], queue["QueueArn"], queue["Events"]) == (
        "queue",
        "arn:aws:sqs:local-1:123:q",
        ["s3:ObjectCreated:*"],
    )
    # S3 answers rule names capitalised whatever case they were sent in.
    assert queue["Filter"]["Key"]["FilterRules"] == [{"Name": "Prefix", "Value": "in/"}]
    assert got["TopicConfigurations"] == NOTIFICATIONS["TopicConfigurations"]
    (fn,) = got["LambdaFunctionConfigurations"]
    assert fn["LambdaFunctionArn"] == "urn:fss:local-1:123:function:default:thumb:latest"
    assert fn["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "img/"},
        {"Name": "Suffix", "Value": ".jpg"},
    ]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    cleared = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert "QueueConfigurations" not in cleared


def test_notification_configuration_refuses_unknown_events(s3: Any, bucket: str) -> None:
    bad = {"QueueConfigurations": [{"QueueArn": "arn:q", "Events": ["s3:ObjectRestore:Post"]}]}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=bad)
    assert error_code(exc) == "InvalidArgument"
