"""A small client for the AWS calls the request path makes: the JSON protocols (DynamoDB, KMS, SSM) and S3's
objects (PUT, GET, DELETE of one object, REST): a signed request over `requests`, so a request function never
imports botocore (~135 ms of import on Python 3.13, more than a whole cold start's budget) to make the handful
of calls it makes.

What it keeps of botocore is what the calls rely on: credentials and region from the environment as Lambda
sets them; endpoints from `AWS_ENDPOINT_URL_<SERVICE>` then `AWS_ENDPOINT_URL` (the local stack and the tests
point services at DynamoDB Local and moto that way); SigV4 (requests-aws4auth); botocore's standard retry mode
(3 attempts, exponential backoff with full jitter, on throttling, 5xx and lost connections); blobs as bytes
(base64 on the wire). AWS's error answers are one type, `AwsError`, whose `code` callers match on
(`ConditionalCheckFailedException`); `wegit.errors.from_aws_sdk` maps the transient ones to a 503.

Importing this module loads the standard library only: `requests` and the signer are imported on a client's
first call, so a function that never calls AWS never pays for them."""

from __future__ import annotations

import base64
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from wegit import deadline
from wegit.observability import logger
from wegit.settings import get_settings

if TYPE_CHECKING:
    import requests

T = TypeVar("T")
MAX_ATTEMPTS = 3  # botocore's standard mode
MAX_BACKOFF = 20.0
BACKOFF_BASE = 1.0  # seconds; the n-th retry waits random() * BACKOFF_BASE * 2**(n-1)
MIN_ATTEMPT_SECONDS = 1.0  # a retry is not started with less of the call's deadline left than its wait plus this
POOL_SIZE = 20  # the notifications worker decrypts on 16 threads
DEFAULT_REGION = "us-east-1"
# What botocore's standard mode retries besides 5xx and lost connections (throttling and transient codes).
RETRIED_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
})  # fmt: skip
RETRIED_STATUSES = frozenset({500, 502, 503, 504})


class AwsError(Exception):
    """AWS refused or failed a call. `code` is AWS's error code (the part of `__type` after '#'), `status` the
    HTTP status; status 0 means no answer at all (a connection error or a timeout, code ConnectionError or
    Timeout). The message is AWS's own, which never holds a request's values."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status

    @property
    def retryable(self) -> bool:
        """What botocore's standard mode retries: throttling, transient codes, 5xx, no answer."""
        return self.status == 0 or self.status in RETRIED_STATUSES or self.code in RETRIED_CODES


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def configured_endpoint(service: str) -> str | None:
    """The endpoint the environment sets for `service`: its own variable, then the global one (unless
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), as botocore reads them; None for AWS's own."""
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        for name in (f"AWS_ENDPOINT_URL_{service.upper()}", "AWS_ENDPOINT_URL"):
            configured = os.environ.get(name, "").strip()
            if configured:
                return configured.rstrip("/")
    return None


def _suffix(region_name: str) -> str:
    return "amazonaws.com.cn" if region_name.startswith("cn-") else "amazonaws.com"


def endpoint_for(service: str, region_name: str) -> str:
    """Where `service` is called, as botocore resolves it: the configured endpoint, else AWS's regional one."""
    return configured_endpoint(service) or f"https://{service}.{region_name}.{_suffix(region_name)}"


def _signer() -> Any:
    """requests-aws4auth's SigV4 signer class (pure Python, ~1.5 ms of import once requests is loaded)."""
    from requests_aws4auth import AWS4Auth  # type: ignore[import-untyped]

    return AWS4Auth


def _json_default(value: object) -> str:
    """Blobs travel as base64 in the JSON protocols: callers pass bytes, as they would to botocore."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _error(response: requests.Response) -> AwsError:
    """The typed error of an AWS error answer (JSON `__type`/`message`, or the x-amzn-ErrorType header)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    raw = str(body.get("__type") or response.headers.get("x-amzn-ErrorType", "")).split(":", 1)[0]
    code = raw.rsplit("#", 1)[-1] or str(response.status_code)
    message = str(body.get("message") or body.get("Message") or "")
    return AwsError(code, message, response.status_code)


def _with_retries(service: str, operation: str, send: Callable[[], T]) -> T:
    """`send()` retried as botocore's standard mode retries, within the call's deadline."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return send()
        except AwsError as error:
            wait = random.random() * min(MAX_BACKOFF, BACKOFF_BASE * 2 ** (attempt - 1))  # noqa: S311 - jitter
            left = deadline.remaining()
            too_late = left is not None and wait + MIN_ATTEMPT_SECONDS > left  # the call could not finish
            if not error.retryable or attempt == MAX_ATTEMPTS or too_late:
                raise
            logger.warning(
                "AWS call retried",
                extra={"service": service, "operation": operation, "error": error.code, "attempt": attempt},
            )
            time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises


class Client:
    """One AWS service over its JSON protocol; thread-safe, its session made on first call and kept alive."""

    def __init__(
        self,
        service: str,
        target: str,
        json_version: str,
        *,
        blobs: frozenset[str] = frozenset(),
        region_name: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.service = service
        self.target = target  # X-Amz-Target is "<target>.<Operation>"
        self.content_type = f"application/x-amz-json-{json_version}"
        self.blobs = blobs  # top-level answer fields that are base64 blobs
        self._region = region_name
        self._endpoint = endpoint.rstrip("/") if endpoint else None
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        """The region given, else the environment's now: a client cached per container (or by a test that set
        other variables) follows the environment, as a botocore client made at that moment would."""
        return self._region or region()

    @property
    def endpoint(self) -> str:
        return self._endpoint or endpoint_for(self.service, self.region)

    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                import requests
                from requests.adapters import HTTPAdapter

                from wegit.http_session import read_environment_once

                session = requests.Session()
                read_environment_once(session)
                # no urllib3 retries: call() retries the way botocore does, on AWS's error codes too
                adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE, max_retries=0)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                session.headers["User-Agent"] = get_settings().user_agent
                self._session = session
            return self._session

    def warm(self) -> None:
        """Import the signer and make the session now (off a request's path), so the first call only calls."""
        _signer()
        self.session()

    def _auth(self, region_name: str) -> Any:
        """A signer for this request, from the credentials the environment holds now (a SnapStart restore or a
        test may change them); making one costs four HMACs."""
        key, secret = os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        if not key or not secret:
            raise AwsError("NoCredentials", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", 0)
        token = os.environ.get("AWS_SESSION_TOKEN") or None
        return _signer()(key, secret, region_name, self.service, session_token=token)

    def call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call `operation` with `params` (bytes anywhere are blobs); AWS's answer, or AwsError after retries."""
        body = json.dumps(params, default=_json_default, separators=(",", ":")).encode()
        headers = {"Content-Type": self.content_type, "X-Amz-Target": f"{self.target}.{operation}"}
        return self.decode(_with_retries(self.service, operation, lambda: self._send(body, headers)))

    def _send(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        import requests

        settings = get_settings()
        region_name = self.region
        try:
            response = self.session().post(
                (self._endpoint or endpoint_for(self.service, region_name)) + "/",
                data=body,
                headers=headers,
                auth=self._auth(region_name),
                timeout=(settings.connect_timeout, settings.read_timeout),
            )
        except requests.Timeout as exc:  # before ConnectionError: ConnectTimeout is both
            raise AwsError("Timeout", type(exc).__name__, 0) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise AwsError("ConnectionError", type(exc).__name__, 0) from exc
        if response.status_code != 200:
            raise _error(response)
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            raise AwsError("UnreadableAnswer", "AWS answered 200 with a body that is not JSON", 200) from None
        if not isinstance(answer, dict):
            raise AwsError("UnreadableAnswer", "AWS answered 200 with a body that is not an object", 200)
        return answer

    def decode(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The blobs of `answer` as bytes (KMS's CiphertextBlob and Plaintext)."""
        for name in self.blobs & answer.keys():
            if isinstance(answer[name], str):
                answer[name] = base64.b64decode(answer[name])
        return answer


def _decode_values(node: Any) -> Any:
    """DynamoDB attribute values {"B": "<base64>"} and {"BS": [...]} as bytes, anywhere in an answer. Only an
    attribute value can be a one-key object whose "B" is a string: items, maps and keys map names to objects."""
    if isinstance(node, dict):
        if len(node) == 1:
            if isinstance(node.get("B"), str):
                return {"B": base64.b64decode(node["B"])}
            if isinstance(node.get("BS"), list):
                return {"BS": [base64.b64decode(value) for value in node["BS"]]}
        return {key: _decode_values(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_decode_values(value) for value in node]
    return node


class DynamoDB(Client):
    """DynamoDB (JSON 1.0), with botocore's method names and keyword arguments for the calls the layer makes."""

    def __init__(self, *, region_name: str | None = None, endpoint: str | None = None) -> None:
        super().__init__("dynamodb", "DynamoDB_20120810", "1.0", region_name=region_name, endpoint=endpoint)

    def decode(self, answer: dict[str, Any]) -> dict[str, Any]:
        return dict(_decode_values(answer))

    def get_item(self, **params: Any) -> dict[str, Any]:
        return self.call("GetItem", params)

    def put_item(self, **params: Any) -> dict[str, Any]:
        return self.call("PutItem", params)

    def update_item(self, **params: Any) -> dict[str, Any]:
        return self.call("UpdateItem", params)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        return self.call("DeleteItem", params)

    def query(self, **params: Any) -> dict[str, Any]:
        return self.call("Query", params)

    def batch_get_item(self, **params: Any) -> dict[str, Any]:
        return self.call("BatchGetItem", params)

    def batch_write_item(self, **params: Any) -> dict[str, Any]:
        return self.call("BatchWriteItem", params)

    def scan(self, **params: Any) -> dict[str, Any]:
        return self.call("Scan", params)

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        return self.call("TransactWriteItems", params)


def kms(region_name: str | None = None, endpoint: str | None = None) -> Client:
    blobs = frozenset({"CiphertextBlob", "Plaintext"})
    return Client("kms", "TrentService", "1.1", blobs=blobs, region_name=region_name, endpoint=endpoint)


def ssm(region_name: str | None = None, endpoint: str | None = None) -> Client:
    return Client("ssm", "AmazonSSM", "1.1", region_name=region_name, endpoint=endpoint)


_S3_ERROR = re.compile(r"<(Code|Message)>([^<]*)</\1>")


class S3(Client):
    """S3's REST protocol for the calls the share codes make: one object put, read or deleted. Signed as the JSON
    calls are (requests-aws4auth also sets the `x-amz-content-sha256` S3 requires); path-style on a configured
    endpoint (moto), virtual-hosted on AWS's (`https://<bucket>.s3.<region>.amazonaws.com/<key>`), as botocore
    addresses them. Errors are S3's XML `<Code>` as AwsError's code (`NoSuchKey`), retried as the JSON calls are."""

    def __init__(self, *, region_name: str | None = None, endpoint: str | None = None) -> None:
        super().__init__("s3", "", "", region_name=region_name, endpoint=endpoint)

    def object_url(self, bucket: str, key: str) -> str:
        from urllib.parse import quote

        path = quote(key, safe="/-_.~")
        configured = self._endpoint or configured_endpoint("s3")
        if configured:
            return f"{configured}/{bucket}/{path}"
        region_name = self.region
        return f"https://{bucket}.s3.{region_name}.{_suffix(region_name)}/{path}"

    def put_object(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type}
        _with_retries("s3", "PutObject", lambda: self._object("PUT", bucket, key, body, headers))

    def get_object(self, bucket: str, key: str) -> tuple[bytes, str]:
        """The object's bytes and Content-Type; AwsError `NoSuchKey` (status 404) when there is none."""
        response = _with_retries("s3", "GetObject", lambda: self._object("GET", bucket, key, b"", {}))
        return response.content, response.headers.get("Content-Type", "application/octet-stream")

    def delete_object(self, bucket: str, key: str) -> None:
        """Deleting an object that is not there succeeds, as in S3."""
        _with_retries("s3", "DeleteObject", lambda: self._object("DELETE", bucket, key, b"", {}))

    def _object(self, method: str, bucket: str, key: str, body: bytes, headers: dict[str, str]) -> requests.Response:
        import requests

        settings = get_settings()
        region_name = self.region
        try:
            response = self.session().request(
                method,
                self.object_url(bucket, key),
                data=body if method == "PUT" else None,
                headers=headers,
                auth=self._auth(region_name),
                timeout=(settings.connect_timeout, settings.read_timeout),
            )
        except requests.Timeout as exc:
            raise AwsError("Timeout", type(exc).__name__, 0) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise AwsError("ConnectionError", type(exc).__name__, 0) from exc
        if response.status_code >= 300:
            found = dict(_S3_ERROR.findall(response.text)) if response.content else {}
            code = found.get("Code") or ("NoSuchKey" if response.status_code == 404 else str(response.status_code))
            raise AwsError(code, found.get("Message", ""), response.status_code)
        return response


def s3(region_name: str | None = None, endpoint: str | None = None) -> S3:
    return S3(region_name=region_name, endpoint=endpoint)
