"""Secrets read at run time from SSM Parameter Store (SecureString), kept a few minutes per container.

Through the AWS Parameters and Secrets Lambda Extension when the function has it (one loopback HTTP call on
the session already loaded), else one SSM GetParameter through wegit.aws (a signed HTTPS call, no AWS SDK:
Powertools parameters imported botocore, ~220 ms of cold start on the first call that needed a secret).
A failure is never cached: the next call tries again."""

from __future__ import annotations

import functools
import os
import time

from wegit import aws

MAX_AGE = 300.0  # seconds: a rotated secret is picked up within five minutes

_cache: dict[str, tuple[float, str]] = {}


def secure_parameter(name: str) -> str:
    """The decrypted value of the SecureString `name` (raises whatever SSM or the extension raised)."""
    cached = _cache.get(name)
    if cached is not None and time.monotonic() - cached[0] < MAX_AGE:
        return cached[1]
    value = _read(name)
    _cache[name] = (time.monotonic(), value)
    return value


def forget() -> None:
    """Drop every cached value and the SSM client (after a restore from a snapshot, or in tests)."""
    _cache.clear()
    _ssm.cache_clear()


def _read(name: str) -> str:
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
    if port:
        from wegit.http_session import get_session

        response = get_session().get(
            f"http://localhost:{port}/systemsmanager/parameters/get",
            params={"name": name, "withDecryption": "true"},
            headers={"X-Aws-Parameters-Secrets-Token": os.environ.get("AWS_SESSION_TOKEN", "")},
        )
        return str(response.json()["Parameter"]["Value"])
    answer = _ssm().call("GetParameter", {"Name": name, "WithDecryption": True})
    return str(answer["Parameter"]["Value"])


@functools.lru_cache(maxsize=1)
def _ssm() -> aws.Client:
    return aws.ssm()
