"""The notifications table (PynamoDB). One partition per account holds everything notifications keep about
the user, so `DELETE /me` removes it with one Query:
- `SUB#<id>`: a subscription (its id is a hash of what it watches: the same subscription twice is one), with
  its cursor (what was last delivered, GitHub's validators) and what waits for a grant;
- `GRANT#<template id>`: how many one-time subscribe messages the user accepted and we have not sent;
- `DELIVERY#<subscription id>#<item>`: a message sent (the idempotency record; TTL).
Shared items live in their own partitions: `REPO#<owner/name>` / `WATCH` per watched repository (its ETag and
last release, polled once per window whatever the number of watchers).

Two sparse indexes: `due` (shard, dueAt) holds what the dispatcher must poll, sharded so no partition is hot;
`byRepo` (watchRepo, accountId) finds the subscribers of a repository for the release fan-out.

The request path and the pipeline read and write these items through wegit.notifications.store (low-level
calls, no PynamoDB in a route's cold start); this model is the layout both agree on, for the code that still
uses PynamoDB (the WeChat access token's item, the tests' seeding). A change of attribute name or type is a
change of both."""

from __future__ import annotations

import os

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from wegit.notifications.store import DELIVERY, DUE_INDEX, GRANT, REPO, REPO_INDEX, SHARDS, SUBSCRIPTION, WATCH
from wegit.settings import get_settings

__all__ = ["DELIVERY", "GRANT", "REPO", "SHARDS", "SUBSCRIPTION", "WATCH", "DueIndex", "NotificationItem", "RepoIndex"]


class DueIndex(GlobalSecondaryIndex["NotificationItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = DUE_INDEX
        projection = KeysOnlyProjection()

    shard = UnicodeAttribute(hash_key=True)
    dueAt = NumberAttribute(range_key=True)


class RepoIndex(GlobalSecondaryIndex["NotificationItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = REPO_INDEX
        projection = AllProjection()

    watchRepo = UnicodeAttribute(hash_key=True)
    accountId = UnicodeAttribute(range_key=True)


class NotificationItem(Model):
    class Meta:
        table_name = get_settings().notifications_table
        region = os.environ.get("AWS_REGION", "us-east-1")
        max_pool_connections = 20  # the dispatcher pages 16 shards at once

    accountId = UnicodeAttribute(hash_key=True)  # or REPO#<owner/name> for a watched repository
    sk = UnicodeAttribute(range_key=True)
    # subscription
    kind = UnicodeAttribute(null=True)  # "notifications" | "releases"
    repo = UnicodeAttribute(null=True)  # owner/name (releases)
    includeAll = BooleanAttribute(null=True)  # notifications: all, not only participating
    createdAt = NumberAttribute(null=True)
    paused = BooleanAttribute(null=True)
    pausedReason = UnicodeAttribute(null=True)
    pausedBy = UnicodeAttribute(null=True)  # "github" (the bound token: a new binding resumes it) or "wechat"
    watchRepo = UnicodeAttribute(null=True)  # byRepo index key: set on release subscriptions only
    # due index (notification subscriptions and watched repositories)
    shard = UnicodeAttribute(null=True)
    dueAt = NumberAttribute(null=True)
    # cursor: what was delivered last and GitHub's validators for the next conditional request
    seenUntil = UnicodeAttribute(null=True)  # ISO time of the newest item delivered (notifications)
    lastReleaseId = NumberAttribute(null=True)  # releases
    etag = UnicodeAttribute(null=True)
    lastModified = UnicodeAttribute(null=True)
    pollInterval = NumberAttribute(null=True)  # GitHub's X-Poll-Interval, seconds
    pending = NumberAttribute(null=True)  # items that waited for a grant, summarised in the next message
    pendingTitle = UnicodeAttribute(null=True)
    # grant
    remaining = NumberAttribute(null=True)
    # delivery
    sentAt = NumberAttribute(null=True)
    expiresAt = TTLAttribute(null=True)
    # pipeline: the WeChat access token shared by every worker (WECHAT#ACCESS_TOKEN / TOKEN) and its refresh lock
    accessToken = UnicodeAttribute(null=True)
    tokenExpiresAt = NumberAttribute(null=True)
    lockedUntil = NumberAttribute(null=True)
    # pipeline: a watched repository's last release (for the fan-out message)
    releaseTag = UnicodeAttribute(null=True)

    due = DueIndex()
    by_repo = RepoIndex()
