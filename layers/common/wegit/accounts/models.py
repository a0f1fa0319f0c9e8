"""The accounts table's items as a PynamoDB model: one partition per account holding its profile and its
sessions. The request path reads and writes them through wegit.accounts.store (low-level calls, no PynamoDB in
its cold start); this model is the layout both agree on, for code that batch-writes with PynamoDB (the tests'
seeding of the notifications pipeline). A change of attribute name or type is a change of both."""

from __future__ import annotations

import os

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from wegit.accounts.store import PROFILE, SESSION_PREFIX
from wegit.settings import get_settings

__all__ = ["PROFILE", "SESSION_PREFIX", "AccountItem"]


class AccountItem(Model):
    """A profile (sk PROFILE) or a session (sk SESSION#<sha256 of the token>); never a secret in plain text."""

    class Meta:
        table_name = get_settings().accounts_table
        region = os.environ.get("AWS_REGION", "us-east-1")

    accountId = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # profile
    openid = UnicodeAttribute(null=True)  # needed to send the user WeChat messages; never shown
    unionid = UnicodeAttribute(null=True)
    createdAt = NumberAttribute(null=True)
    lastSeenAt = NumberAttribute(null=True)
    githubLogin = UnicodeAttribute(null=True)
    githubAvatarUrl = UnicodeAttribute(null=True)
    githubToken = BinaryAttribute(null=True, legacy_encoding=False)  # KMS ciphertext, context names the account
    githubTokenValid = BooleanAttribute(null=True)
    githubBoundAt = NumberAttribute(null=True)
    # session
    extendedAt = NumberAttribute(null=True)
    expiresAt = TTLAttribute(null=True)
