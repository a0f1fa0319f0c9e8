"""wegit.aws, the light AWS client, against real endpoints: DynamoDB Local, the moto server (KMS, SSM), and a
loopback HTTP server that answers what AWS answers when it is busy. botocore is used here only as a second,
independent SigV4 signer to check ours against."""

from __future__ import annotations

import itertools
import json
import socket

import pytest
from werkzeug import Request, Response

from local.aws import MotoServer
from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load
from wegit import aws
from wegit.aws import AwsError, DynamoDB
from wegit.errors import UpstreamBusy, from_aws_sdk

_tables = itertools.count()
EVERY_BYTE = bytes(range(256))


@pytest.fixture
def credentials(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setattr(aws, "BACKOFF_BASE", 0.01)  # botocore's waits, a hundred times shorter


@pytest.fixture
def table(dynamodb: DynamoDBLocal, credentials) -> tuple[DynamoDB, str]:
    """A fresh copy of the template's TrendingTable (key `pk`), and the layer's client of DynamoDB Local."""
    name = f"AwsClientTable{next(_tables)}"
    create_tables(dynamodb.client(), {"TrendingTable": load().tables["TrendingTable"]}, {"TrendingTable": name})
    return DynamoDB(endpoint=dynamodb.endpoint), name


def test_dynamodb_round_trip_keeps_bytes_numbers_and_strings(table, dynamodb: DynamoDBLocal):
    client, name = table
    item = {
        "pk": {"S": "round-trip"},
        "blob": {"B": EVERY_BYTE},
        "blobs": {"BS": [b"\x00", b"\xff\xfe"]},
        "nested": {"M": {"B": {"S": "a map's attribute may be named B"}, "inner": {"B": b"\x01\x02"}}},
        "n": {"N": "12345678901234567890"},
        "s": {"S": "中文 ✓"},
        "flag": {"BOOL": True},
    }
    client.put_item(TableName=name, Item=item)
    read = client.get_item(TableName=name, Key={"pk": {"S": "round-trip"}}, ConsistentRead=True)["Item"]
    assert read["blob"] == {"B": EVERY_BYTE}
    assert sorted(read["blobs"]["BS"]) == [b"\x00", b"\xff\xfe"]
    assert read["nested"] == item["nested"]
    assert read["n"] == {"N": "12345678901234567890"} and read["s"] == {"S": "中文 ✓"} and read["flag"] == item["flag"]
    # what botocore reads back is the same item: the bytes went over the wire as DynamoDB's own blobs
    sdk = dynamodb.client().get_item(TableName=name, Key={"pk": {"S": "round-trip"}}, ConsistentRead=True)["Item"]
    assert sdk["blob"]["B"] == EVERY_BYTE
    assert sdk["nested"]["M"]["inner"]["B"] == b"\x01\x02"


def test_dynamodb_errors_are_typed_and_a_failed_condition_is_told_apart(table):
    client, name = table
    client.put_item(TableName=name, Item={"pk": {"S": "once"}})
    with pytest.raises(AwsError) as failed:
        client.put_item(TableName=name, Item={"pk": {"S": "once"}}, ConditionExpression="attribute_not_exists(pk)")
    assert (failed.value.code, failed.value.status) == ("ConditionalCheckFailedException", 400)
    assert from_aws_sdk(failed.value) is None  # our own condition: never a 503
    with pytest.raises(AwsError) as missing:
        client.get_item(TableName="NoSuchTable", Key={"pk": {"S": "x"}})
    assert missing.value.code == "ResourceNotFoundException"
    assert missing.value.message  # AWS's words, kept for the log
    with pytest.raises(AwsError) as invalid:
        client.get_item(TableName=name, Key={"wrong": {"S": "x"}})
    assert invalid.value.code == "ValidationException"


def test_kms_encrypts_and_decrypts_bytes_under_an_encryption_context(moto: MotoServer, credentials):
    key = moto.client("kms").create_key(Description="wegit.aws test")["KeyMetadata"]["KeyId"]
    kms = aws.kms(endpoint=moto.endpoint)
    context = {"wegit:account": "a1"}
    sealed = kms.call("Encrypt", {"KeyId": key, "Plaintext": EVERY_BYTE, "EncryptionContext": context})
    assert isinstance(sealed["CiphertextBlob"], bytes)
    assert EVERY_BYTE not in sealed["CiphertextBlob"]
    opened = kms.call("Decrypt", {"CiphertextBlob": sealed["CiphertextBlob"], "EncryptionContext": context})
    assert opened["Plaintext"] == EVERY_BYTE
    with pytest.raises(AwsError) as wrong:  # the context is part of what was encrypted
        kms.call("Decrypt", {"CiphertextBlob": sealed["CiphertextBlob"], "EncryptionContext": {"wegit:account": "a2"}})
    assert wrong.value.code == "InvalidCiphertextException"


def test_ssm_reads_a_secure_string_and_a_missing_one_is_typed(moto: MotoServer, credentials):
    moto.client("ssm").put_parameter(Name="/wegit/aws-test", Type="SecureString", Value="s3cr3t", Overwrite=True)
    ssm = aws.ssm(endpoint=moto.endpoint)
    answer = ssm.call("GetParameter", {"Name": "/wegit/aws-test", "WithDecryption": True})
    assert answer["Parameter"]["Value"] == "s3cr3t"
    with pytest.raises(AwsError) as missing:
        ssm.call("GetParameter", {"Name": "/wegit/none", "WithDecryption": True})
    assert (missing.value.code, missing.value.status) == ("ParameterNotFound", 400)


def test_requests_are_signed_as_botocore_signs_them(httpserver, credentials, monkeypatch):
    """Our SigV4 against botocore's for the same request (same time, same headers): the Authorization headers
    must be identical, the session token included."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    httpserver.expect_request("/", method="POST").respond_with_json({})
    DynamoDB(endpoint=httpserver.url_for(""), region_name="eu-west-3").get_item(TableName="t", Key={})
    ((request, _),) = httpserver.log
    signed = [
        "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token", "x-amz-target"
    ]  # fmt: skip
    ours = request.headers["Authorization"]
    assert f"SignedHeaders={';'.join(signed)}," in ours
    assert "/eu-west-3/dynamodb/aws4_request" in ours
    theirs = AWSRequest(
        method="POST",
        url=httpserver.url_for("/"),
        data=request.get_data(),
        headers={name: request.headers[name] for name in signed if name != "host"},
    )
    signer = SigV4Auth(Credentials("local", "local", "session-token"), "dynamodb", "eu-west-3")
    theirs.context["timestamp"] = request.headers["x-amz-date"]  # botocore's steps, at the time we signed
    signature = signer.signature(signer.string_to_sign(theirs, signer.canonical_request(theirs)), theirs)
    assert ours.endswith(f"Signature={signature}")
    assert json.loads(request.get_data()) == {"TableName": "t", "Key": {}}
    assert request.headers["X-Amz-Target"] == "DynamoDB_20120810.GetItem"
    assert request.headers["Content-Type"] == "application/x-amz-json-1.0"


def _busy_then(answers: list[Response]):
    """A handler answering each request with the next of `answers`."""
    queue = list(answers)

    def handler(request: Request) -> Response:
        return queue.pop(0)

    return handler


def _aws_error(code: str, status: int) -> Response:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "busy"}
    return Response(json.dumps(body), status=status, content_type="application/x-amz-json-1.0")


def test_a_5xx_and_throttling_are_retried_then_answered(httpserver, credentials):
    ok = Response(
        json.dumps({"Item": {"pk": {"S": "x"}, "b": {"B": "AAE="}}}), content_type="application/x-amz-json-1.0"
    )
    httpserver.expect_request("/").respond_with_handler(
        _busy_then([Response("<html>bad gateway</html>", status=502), _aws_error("ThrottlingException", 400), ok])
    )
    client = DynamoDB(endpoint=httpserver.url_for(""))
    assert client.get_item(TableName="t", Key={})["Item"]["b"] == {"B": b"\x00\x01"}
    assert len(httpserver.log) == 3


def test_retries_stop_after_three_attempts_and_the_error_is_a_503(httpserver, credentials):
    httpserver.expect_request("/").respond_with_handler(
        _busy_then([_aws_error("ProvisionedThroughputExceededException", 400)] * 4)
    )
    client = DynamoDB(endpoint=httpserver.url_for(""))
    with pytest.raises(AwsError) as failed:
        client.get_item(TableName="t", Key={})
    assert failed.value.code == "ProvisionedThroughputExceededException"
    assert len(httpserver.log) == 3  # botocore's standard mode: 3 attempts in all
    busy = from_aws_sdk(failed.value)
    assert isinstance(busy, UpstreamBusy)
    assert (busy.status, busy.retry_after) == (503, 1)


def test_an_error_aws_will_not_change_its_mind_about_is_not_retried(httpserver, credentials):
    httpserver.expect_request("/").respond_with_handler(_busy_then([_aws_error("ValidationException", 400)] * 3))
    with pytest.raises(AwsError) as failed:
        DynamoDB(endpoint=httpserver.url_for("")).get_item(TableName="t", Key={})
    assert (failed.value.code, failed.value.status) == ("ValidationException", 400)
    assert len(httpserver.log) == 1
    assert from_aws_sdk(failed.value) is None  # our bug: a 500, not a 503


def test_an_unreadable_5xx_is_typed_by_its_status(httpserver, credentials):
    httpserver.expect_request("/").respond_with_data("<html>oops</html>", status=500)
    with pytest.raises(AwsError) as failed:
        DynamoDB(endpoint=httpserver.url_for("")).get_item(TableName="t", Key={})
    assert (failed.value.code, failed.value.status) == ("500", 500)
    assert len(httpserver.log) == 3
    assert isinstance(from_aws_sdk(failed.value), UpstreamBusy)


def test_no_answer_is_retried_then_a_503_that_says_so(credentials):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(AwsError) as failed:
        DynamoDB(endpoint=nobody).get_item(TableName="t", Key={})
    assert (failed.value.code, failed.value.status) == ("ConnectionError", 0)
    wrapped = RuntimeError("a store failed")
    wrapped.__cause__ = failed.value
    busy = from_aws_sdk(wrapped)
    assert busy is not None
    assert "did not answer in time" in busy.message


def test_a_read_timeout_is_typed(httpserver, credentials, monkeypatch):
    import time

    from wegit.settings import get_settings

    monkeypatch.setenv("HTTP_READ_TIMEOUT", "0.2")
    get_settings.cache_clear()
    try:

        def slow(request: Request) -> Response:
            time.sleep(0.5)
            return Response("{}")

        httpserver.expect_request("/").respond_with_handler(slow)
        with pytest.raises(AwsError) as failed:
            DynamoDB(endpoint=httpserver.url_for("")).get_item(TableName="t", Key={})
    finally:
        get_settings.cache_clear()
    assert (failed.value.code, failed.value.status) == ("Timeout", 0)
    assert isinstance(from_aws_sdk(failed.value), UpstreamBusy)


def test_without_credentials_nothing_is_sent(httpserver, credentials, monkeypatch):
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AwsError) as failed:
        DynamoDB(endpoint=httpserver.url_for("")).get_item(TableName="t", Key={})
    assert failed.value.code == "NoCredentials"
    assert not httpserver.log


def test_endpoints_resolve_as_botocore_resolves_them(monkeypatch):
    for name in ("AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    assert aws.endpoint_for("kms", "eu-west-1") == "https://kms.eu-west-1.amazonaws.com"
    assert aws.endpoint_for("ssm", "cn-north-1") == "https://ssm.cn-north-1.amazonaws.com.cn"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1/")
    assert aws.endpoint_for("kms", "eu-west-1") == "http://127.0.0.1:1"  # the global one
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:2")
    assert aws.endpoint_for("kms", "eu-west-1") == "http://127.0.0.1:2"  # the service's own wins
    assert aws.endpoint_for("ssm", "eu-west-1") == "http://127.0.0.1:1"
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert aws.endpoint_for("kms", "eu-west-1") == "https://kms.eu-west-1.amazonaws.com"


def test_the_region_comes_from_the_environment_as_lambda_sets_it(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "ap-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert aws.region() == "ap-east-1"
    monkeypatch.delenv("AWS_REGION")
    assert aws.region() == "eu-west-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert aws.region() == "us-east-1"
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    assert DynamoDB(region_name="eu-central-1").endpoint == "https://dynamodb.eu-central-1.amazonaws.com"
