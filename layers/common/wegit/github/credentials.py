"""Which GitHub token a call uses: the caller's, else the service token, else none (anonymous)."""

from __future__ import annotations

import os
import re
import time

from wegit.errors import BadCredentials
from wegit.observability import logger
from wegit.settings import get_settings

# Classic (40 hex), fine-grained (github_pat_...), OAuth/app (gho_, ghu_, ghs_...) tokens: letters, digits, _.
_TOKEN = re.compile(r"^[A-Za-z0-9_]{20,255}$")
SERVICE_TOKEN_MAX_AGE = 300  # seconds: a rotated token is picked up within five minutes


def checked_token(candidate: str, where: str) -> str:
    """The token if it looks like a GitHub token; a bad token is a 401, like one GitHub rejects."""
    if not _TOKEN.match(candidate):
        raise BadCredentials(f"the {where} is not a GitHub token")
    return candidate


def token_from_header(value: str | None) -> str | None:
    """The token in an Authorization header: raw (what the published client sends), `token X` or `Bearer X`."""
    if value is None or not value.strip():
        return None
    parts = value.strip().split()
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer"):
        return checked_token(parts[1], "Authorization header")
    if len(parts) == 1:
        return checked_token(parts[0], "Authorization header")
    raise BadCredentials("the Authorization header must be a token, `token <token>` or `Bearer <token>`")


_cached: tuple[float, str] = (0.0, "")


def service_token() -> str | None:
    """The service's own token, so anonymous users don't share GitHub's 60 requests/hour per IP.

    Locally it comes from GITHUB_TOKEN; in AWS from the SecureString named by GITHUB_TOKEN_PARAMETER, kept
    SERVICE_TOKEN_MAX_AGE per container. A failure is not kept: the next anonymous call tries again."""
    global _cached  # noqa: PLW0603 - a per-container cache, like the session
    value = os.environ.get("GITHUB_TOKEN")
    name = get_settings().github_token_parameter
    if not value and name:
        read_at, value = _cached
        if not value or time.monotonic() - read_at > SERVICE_TOKEN_MAX_AGE:  # monotonic may start near 0
            try:
                value = _read_parameter(name)
            except Exception as exc:  # SSM, the extension or IAM failing must not fail the user's call
                logger.warning("service token unavailable; calling GitHub anonymously",
                               extra={"parameter": name, "error": type(exc).__name__})  # fmt: skip
                return None
            _cached = (time.monotonic(), value)
    token = str(value or "").strip()
    if token and not _TOKEN.match(token):
        # Never let a malformed secret reach a header: requests would quote it in an exception message.
        logger.error("service token is malformed; calling GitHub anonymously", extra={"parameter": name})
        return None
    return token or None


def _read_parameter(name: str) -> str:
    """A SecureString, through the Parameters and Secrets Lambda Extension when the function has it (one
    loopback HTTP call on the session already loaded) or else Powertools parameters. The AWS SDK costs
    ~220 ms of cold start on the first anonymous call (`make bench`, test_service_token_cold_cost)."""
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
    if port:
        from wegit.http_session import get_session

        response = get_session().get(
            f"http://localhost:{port}/systemsmanager/parameters/get",
            params={"name": name, "withDecryption": "true"},
            headers={"X-Aws-Parameters-Secrets-Token": os.environ.get("AWS_SESSION_TOKEN", "")},
        )
        return str(response.json()["Parameter"]["Value"])
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_parameter(name, decrypt=True))


def resolve_token(authorization: str | None) -> str | None:
    return token_from_header(authorization) or service_token()
