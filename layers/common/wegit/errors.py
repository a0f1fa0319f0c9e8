"""Typed errors: raised where a failure is known, mapped to an HTTP status once (wegit.api)."""

from __future__ import annotations

import sys


class WeGitError(Exception):
    """Base of every error the API turns into a response. `status` is the HTTP status."""

    status = 500
    default_message = "internal error"
    retry_after: int | None = None  # seconds; sent as Retry-After when set
    code: str | None = None  # machine-readable, beside the message, where one status has several meanings

    def __init__(self, message: str | None = None, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.code = code or self.code
        super().__init__(self.message)


def excerpt(value: object, limit: int = 20) -> str:
    """A bad value as an error message may quote it: its repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BadRequest(WeGitError):
    status = 400
    default_message = "bad request"


class BadCredentials(WeGitError):
    """A 401. Its `code` tells the client what to do: log in again (SESSION_CODES), bind another GitHub token
    or send a valid one (GITHUB_CODES), or call wx.login() again (wechat_code_invalid)."""

    status = 401
    default_message = "bad credentials"
    code = "github_token_invalid"


# The 401 codes, by the credential they are about: the session (log in again with POST /sessions) or GitHub's.
SESSION_CODES = frozenset({"session_required", "session_invalid", "session_expired", "wechat_code_invalid"})
GITHUB_CODES = frozenset({"github_token_invalid", "github_token_malformed"})


def www_authenticate(code: str | None) -> str:
    """The challenge a 401 carries (RFC 9110 11.6.1, the Bearer scheme of RFC 6750) for its code."""
    realm = "WeGit session" if code in SESSION_CODES else "GitHub token"
    error = "" if code in ("session_required", "wechat_code_invalid") else ', error="invalid_token"'
    return f'Bearer realm="{realm}"{error}'


class Forbidden(WeGitError):
    status = 403
    default_message = "forbidden by GitHub"


class NotFound(WeGitError):
    status = 404
    default_message = "not found"


class RateLimited(WeGitError):
    status = 429
    default_message = "GitHub rate limit exhausted"
    retry_after: int

    def __init__(self, message: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = max(0, int(retry_after))


class UpstreamBusy(WeGitError):
    """An upstream is busy or down for now (GitHub 503 with Retry-After, WeChat -1): the caller is told when."""

    status = 503
    default_message = "GitHub is unavailable for now; try again after Retry-After seconds"
    retry_after: int

    def __init__(self, message: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = max(0, int(retry_after))


class UpstreamUnavailable(WeGitError):
    """The upstream failed (5xx, connection error, unusable answer) after retries."""

    status = 502
    default_message = "upstream unavailable"


class UpstreamBadResponse(UpstreamUnavailable):
    """The upstream answered 2xx with something we cannot read (malformed JSON, unknown HTML)."""

    default_message = "upstream sent a response that cannot be read"


class UnknownPageShape(UpstreamBadResponse):
    """A github.com page whose markup the parser does not know; never half-parsed."""

    default_message = "unknown page shape"


class UpstreamTimeout(WeGitError):
    status = 504
    default_message = "upstream timed out"


# What AWS answers when it is busy for now rather than refusing the request (DynamoDB, SSM, KMS, SQS).
_AWS_BUSY_CODES = frozenset({
    "ThrottlingException", "Throttling", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "TooManyRequestsException", "ThrottledException", "InternalServerError", "InternalFailure",
    "ServiceUnavailable", "ServiceUnavailableException", "KMSInternalException",
})  # fmt: skip


def from_aws_sdk(exc: BaseException) -> UpstreamBusy | None:
    """An AWS call that failed for now (a timeout, a lost connection, throttling, an AWS 5xx), anywhere in the
    exception's causes (PynamoDB wraps botocore's): a 503 with Retry-After the caller can act on, not a 500.
    Both clients are understood: wegit.aws's AwsError (the request functions) and botocore's errors (the
    functions still on the SDK). None for anything else, and at once for a client never imported (then it
    cannot have failed): this module never imports either."""
    light = sys.modules.get("wegit.aws")
    sdk = sys.modules.get("botocore.exceptions")
    seen: BaseException | None = exc
    while (light is not None or sdk is not None) and seen is not None:
        if light is not None and isinstance(seen, light.AwsError):
            no_answer = seen.status == 0 and seen.code in {"Timeout", "ConnectionError"}
            busy = seen.code in _AWS_BUSY_CODES or seen.status >= 500
            return _busy(no_answer) if no_answer or busy else None
        if sdk is not None and isinstance(seen, sdk.ConnectionError | sdk.HTTPClientError):
            return _busy(no_answer=True)
        if sdk is not None and isinstance(seen, sdk.ClientError):
            error = seen.response.get("Error", {})
            status = seen.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            return _busy(no_answer=False) if error.get("Code") in _AWS_BUSY_CODES or status >= 500 else None
        seen = seen.__cause__ or getattr(seen, "cause", None)
    return None


def _busy(no_answer: bool) -> UpstreamBusy:
    if no_answer:
        return UpstreamBusy("a data store did not answer in time; try again shortly", retry_after=1)
    return UpstreamBusy("a data store is busy; try again shortly", retry_after=1)
