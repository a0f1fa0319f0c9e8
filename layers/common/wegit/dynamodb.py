"""The DynamoDB client of the layer: wegit.aws's, made on first use, so request functions call their tables
without importing botocore (the Lambda runtime's SDK costs more import time than a whole cold start's budget)."""

from __future__ import annotations

from functools import lru_cache

from wegit.aws import DynamoDB


@lru_cache(maxsize=1)
def client() -> DynamoDB:
    """One DynamoDB client per execution environment (made anew after a SnapStart restore: wegit.preconnect)."""
    return DynamoDB()
