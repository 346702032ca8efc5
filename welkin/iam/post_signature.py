"""The SigV4 signature of a browser POST form: an HMAC of the base64 policy alone.

The form carries ``x-amz-credential`` (``AK/date/region/service/aws4_request``) and
``x-amz-signature``; the signing key is derived from the secret exactly as for a
signed request, and the string to sign is the ``policy`` field as sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from welkin.core import errors

_DATE_RE = re.compile(r"\d{8}", re.ASCII)
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


@dataclass(frozen=True)
class PostSignature:
    access_key: str
    date: str  # the credential scope's, e.g. 20250301
    region: str
    service: str
    policy: str = field(repr=False)  # base64, as sent
    signature: str  # hex
    security_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_form(
        cls, credential: str, policy: str, signature: str, security_token: str | None
    ) -> PostSignature:
        """Read ``x-amz-credential``; InvalidArgument when it or the signature is malformed."""
        parts = credential.split("/")
        if (
            len(parts) != 5
            or not all(parts)
            or parts[4] != "aws4_request"
            or not _DATE_RE.fullmatch(parts[1])
        ):
            raise errors.InvalidArgument(
                f"credential {credential!r} is not AK/date/region/service/aws4_request"
            )
        if not _HEX64_RE.fullmatch(signature):
            raise errors.InvalidArgument("the signature must be 64 hex digits")
        return cls(parts[0], parts[1], parts[2], parts[3], policy, signature.lower(), security_token or None)

    def matches(self, secret_key: str) -> bool:
        key = f"AWS4{secret_key}".encode()
        for part in (self.date, self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, self.policy.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), self.signature.encode())
