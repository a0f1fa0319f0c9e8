"""Which GitHub token a call uses: the caller's, else the service token (read once per container), else none."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from wegit.errors import BadCredentials
from wegit.observability import logger

# Classic (40 hex), fine-grained (github_pat_...), OAuth/app (gho_, ghu_, ghs_...) tokens: letters, digits, _.
_TOKEN = re.compile(r"^[A-Za-z0-9_]{20,255}$")


def token_from_header(value: str | None) -> str | None:
    """The token in an Authorization header: raw (what the published client sends), `token X` or `Bearer X`."""
    if value is None or not value.strip():
        return None
    parts = value.strip().split()
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer"):
        candidate = parts[1]
    elif len(parts) == 1:
        candidate = parts[0]
    else:
        raise BadCredentials("the Authorization header must be a token, `token <token>` or `Bearer <token>`")
    if not _TOKEN.match(candidate):
        raise BadCredentials("the Authorization header does not hold a GitHub token")
    return candidate


def is_token_shaped(value: str) -> bool:
    return bool(_TOKEN.match(value))


@lru_cache(maxsize=1)
def service_token() -> str | None:
    """The service's own token, so anonymous users don't share GitHub's 60 requests/hour per IP.

    Locally it comes from GITHUB_TOKEN; in AWS from the SecureString named by GITHUB_TOKEN_PARAMETER,
    fetched once per execution environment (boto3 is imported only here, off the authenticated path)."""
    if os.environ.get("GITHUB_TOKEN"):
        return os.environ["GITHUB_TOKEN"]
    name = os.environ.get("GITHUB_TOKEN_PARAMETER")
    if not name:
        return None
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_parameter(name, decrypt=True)
    except parameters.exceptions.GetParameterError:
        logger.warning("service token unavailable; calling GitHub anonymously", extra={"parameter": name})
        return None
    return str(value) if value else None


def resolve_token(authorization: str | None) -> str | None:
    return token_from_header(authorization) or service_token()
