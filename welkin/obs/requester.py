"""Who is asking object storage to do something: nobody in particular, an account, or a user."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RequesterKind(enum.Enum):
    ANONYMOUS = "anonymous"
    """An unsigned request."""
    ROOT = "root"
    """The account itself, or a user holding its administrators' rights."""
    USER = "user"
    """Any other user of an account: it can do only what IAM lets it."""


@dataclass(frozen=True, slots=True)
class Requester:
    kind: RequesterKind
    account_id: str | None = None
    user_id: str | None = None
    user_name: str | None = None

    def __post_init__(self) -> None:
        named = self.account_id is not None
        if named is (self.kind is RequesterKind.ANONYMOUS):
            raise ValueError("an anonymous requester has no account; every other requester has one")

    @classmethod
    def anonymous(cls) -> Requester:
        return cls(RequesterKind.ANONYMOUS)

    @classmethod
    def root(cls, account_id: str, user_id: str, user_name: str) -> Requester:
        return cls(RequesterKind.ROOT, account_id, user_id, user_name)

    @classmethod
    def user(cls, account_id: str, user_id: str, user_name: str) -> Requester:
        return cls(RequesterKind.USER, account_id, user_id, user_name)

    @property
    def is_anonymous(self) -> bool:
        return self.kind is RequesterKind.ANONYMOUS
