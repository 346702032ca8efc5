"""Notification configuration documents: parsing, validation, JSON and rendering."""

from __future__ import annotations

import pytest

from welkin.core import errors as core
from welkin.obs import errors, notifications
from welkin.obs.notifications import NotificationConfig
from welkin.obs.s3api.xml import parse


def configs(body: str) -> list[NotificationConfig]:
    root = parse(
        f"<NotificationConfiguration>{body}</NotificationConfiguration>".encode(), "NotificationConfiguration"
    )
    return notifications.parse_configuration(root)


def test_configurations_parse_render_and_survive_json() -> None:
    parsed = configs(
        "<CloudFunctionConfiguration><Id>f</Id><CloudFunction>urn:fn</CloudFunction>"
        "<Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>suffix</Name>"
        "<Value>.jpg</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration>"
        "<TopicConfiguration><Topic>arn:t</Topic><Event>s3:ObjectRemoved:Delete</Event></TopicConfiguration>"
    )
    fn, topic = parsed
    assert fn == NotificationConfig(
        "CloudFunctionConfiguration", "f", "urn:fn", ("s3:ObjectCreated:*",), "", ".jpg"
    )
    assert len(topic.id) == 32
    assert notifications.from_json(notifications.to_json(parsed)) == parsed
    rendered = notifications.render(parsed)
    assert rendered["CloudFunctionConfiguration"][0]["Filter"] == {
        "S3Key": {"FilterRule": [{"Name": "Suffix", "Value": ".jpg"}]}
    }
    assert "Filter" not in rendered["TopicConfiguration"][0]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("<QueueConfiguration><Event>s3:ObjectCreated:*</Event></QueueConfiguration>", core.InvalidArgument),
        ("<QueueConfiguration><Queue>q</Queue></QueueConfiguration>", core.InvalidArgument),
        (
            "<QueueConfiguration><Queue>q</Queue><Event>s3:Nope</Event></QueueConfiguration>",
            core.InvalidArgument,
        ),
        ("<Other/>", errors.MalformedXML),
        (
            "<QueueConfiguration><Queue>q</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key>"
            "<FilterRule><Name>middle</Name><Value>x</Value></FilterRule></S3Key></Filter></QueueConfiguration>",
            core.InvalidArgument,
        ),
        (
            "<QueueConfiguration><Id>a</Id><Queue>q</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration>"
            "<TopicConfiguration><Id>a</Id><Topic>t</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration>",
            core.InvalidArgument,
        ),
    ],
)
def test_invalid_documents_are_refused(body: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        configs(body)


def test_an_empty_document_has_no_configurations() -> None:
    assert configs("") == []
