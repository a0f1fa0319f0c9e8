"""DynamoDB models (PynamoDB). Table names come from the environment the template sets."""

from __future__ import annotations

import os

from pynamodb.attributes import BinaryAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from wegit.settings import get_settings


class TrendingSnapshot(Model):
    """One scraped trending page (or the language menu), keyed by what was asked of github.com."""

    class Meta:
        table_name = get_settings().trending_table
        region = os.environ.get("AWS_REGION", "us-east-1")

    pk = UnicodeAttribute(hash_key=True)  # kind#since#language#spoken, or "languages"
    payload = BinaryAttribute(legacy_encoding=False)  # zlib-compressed JSON: a quarter of the read units
    fetchedAt = NumberAttribute()  # epoch seconds
    expiresAt = TTLAttribute()
