"""The SigV4 signature of a POST form's policy, checked against botocore's signer."""

from __future__ import annotations

import pytest
from botocore.auth import S3SigV4PostAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from welkin.core import errors
from welkin.iam.post_signature import PostSignature


def botocore_form(secret: str) -> dict[str, str]:
    request = AWSRequest(method="POST", url="http://localhost/b")
    request.context["s3-presign-post-fields"] = {"key": "k"}
    request.context["s3-presign-post-policy"] = {
        "expiration": "2030-01-01T00:00:00Z",
        "conditions": [{"bucket": "b"}, {"key": "k"}],
    }
    S3SigV4PostAuth(Credentials("AKEXAMPLE", secret), "s3", "local-1").add_auth(request)
    fields: dict[str, str] = request.context["s3-presign-post-fields"]
    return fields


def test_botocore_signature_matches_only_the_right_secret() -> None:
    fields = botocore_form("s3cret")
    form = PostSignature.from_form(
        fields["x-amz-credential"], fields["policy"], fields["x-amz-signature"], None
    )
    assert form.access_key == "AKEXAMPLE"
    assert (form.region, form.service) == ("local-1", "s3")
    assert form.matches("s3cret")
    assert not form.matches("other")


@pytest.mark.parametrize(
    ("credential", "signature"),
    [
        ("AK/20250301/r/s3", "a" * 64),
        ("AK/2025-03-01/r/s3/aws4_request", "a" * 64),
        ("AK/20250301/r/s3/aws4_request", "not-hex"),
    ],
)
def test_malformed_credential_or_signature(credential: str, signature: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        PostSignature.from_form(credential, "cG9saWN5", signature, None)
