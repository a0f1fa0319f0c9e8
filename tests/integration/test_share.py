"""Share codes on the real parts: SharesTable on DynamoDB Local, the bucket on moto's S3 (through wegit.aws's
signed requests), the WeChat fake making the codes."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from local.aws import MotoServer, client_for, provision
from local.dynamodb import DynamoDBLocal, create_tables
from local.fakes.wechat import APP_ID, APP_SECRET, WeChatFake
from local.template import bucket_name, load
from wegit.aws import S3, AwsError

SECRET_NAME = "/wegit/wechat-app-secret"
BUCKET = bucket_name("ShareCodesBucket")
PNG = b"\x89PNG\r\n\x1a\n"
_ids = itertools.count()


@pytest.fixture(scope="module")
def shares(dynamodb: DynamoDBLocal, moto: MotoServer, wechat_server: WeChatFake) -> Iterator[Any]:
    template = load()
    create_tables(dynamodb.client(), template.tables, template.table_names())
    provision(moto.endpoint, template, {SECRET_NAME: APP_SECRET})
    variables = {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
        **{f"AWS_ENDPOINT_URL_{service}": moto.endpoint for service in ("S3", "SSM", "KMS")},
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SHARES_TABLE": "SharesTable",
        "SHARE_BUCKET": BUCKET,
        "WECHAT_API_URL": wechat_server.url,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_SECRET_PARAMETER": SECRET_NAME,
        "WECHAT_MINIPROGRAM_STATE": "developer",
    }
    from wegit import dynamodb as dynamodb_client
    from wegit import http_session, parameters, settings
    from wegit.notifications import access_token
    from wegit.share import service, store

    caches = (settings.get_settings, http_session.get_session, dynamodb_client.client, store.s3)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        for cache in caches:
            cache.cache_clear()
        parameters.forget()
        access_token.forget()
        yield service
    for cache in caches:
        cache.cache_clear()


def caller() -> Any:
    return SimpleNamespace(account_id=f"sharetest{time.time_ns()}x{next(_ids)}")


def login() -> str:
    return f"user{time.time_ns()}x{next(_ids)}"


def objects(moto: MotoServer) -> set[str]:
    listed = client_for(moto.endpoint, "s3").list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_s3_objects_put_read_and_deleted_through_the_light_client(shares, moto):
    s3 = S3()
    s3.put_object(BUCKET, "codes/test-object", PNG + b"data", "image/png")
    assert s3.get_object(BUCKET, "codes/test-object") == (PNG + b"data", "image/png")
    head = client_for(moto.endpoint, "s3").head_object(Bucket=BUCKET, Key="codes/test-object")
    assert head["ContentType"] == "image/png"  # botocore reads what the light client wrote
    s3.delete_object(BUCKET, "codes/test-object")
    s3.delete_object(BUCKET, "codes/test-object")  # deleting what is gone succeeds, as in S3
    with pytest.raises(AwsError) as missing:
        s3.get_object(BUCKET, "codes/test-object")
    assert (missing.value.code, missing.value.status) == ("NoSuchKey", 404)
    with pytest.raises(AwsError) as no_bucket:
        s3.get_object("no-such-bucket-here", "x")
    assert no_bucket.value.code == "NoSuchBucket"


def test_on_aws_objects_are_addressed_virtual_hosted(monkeypatch):
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    assert S3(region_name="ap-east-1").object_url("bucket-1", "codes/a b") == (
        "https://bucket-1.s3.ap-east-1.amazonaws.com/codes/a%20b"
    )
    assert S3(endpoint="http://127.0.0.1:5000/").object_url("b", "codes/x") == "http://127.0.0.1:5000/b/codes/x"


def test_a_share_code_served_a_second_time_makes_no_wechat_call(shares, wechat, moto):
    who, login_ = caller(), login()
    shown, made = shares.share(who, "developer", {"login": login_})
    assert made
    calls = wechat.code_calls
    assert wechat.codes_made == 1
    assert f"codes/{shown['id']}" in objects(moto)
    content, content_type = shares.image(shown["id"])
    assert content.startswith(PNG) and content_type == "image/png"

    for sharer in (who, caller(), caller()):  # the same account again, then two others
        again, made = shares.share(sharer, "developer", {"login": login_.upper()})
        assert (again["id"], made) == (shown["id"], False)
    assert shares.image(shown["id"])[0] == content
    assert wechat.code_calls == calls  # no WeChat call after the first code


def test_the_last_account_to_forget_a_share_removes_it_and_its_code(shares, wechat, moto):
    from wegit.share import store

    first, second = caller(), caller()
    login_ = login()
    shown, _ = shares.share(first, "developer", {"login": login_})
    shares.share(second, "developer", {"login": login_})
    assert store.get(shown["id"]) is not None
    assert store.account_shares(first.account_id) == [shown["id"]]

    assert shares.delete_account(first.account_id) == 1
    assert store.account_shares(first.account_id) == []
    assert shares.get(shown["id"])["id"] == shown["id"]  # the second account made it too
    assert f"codes/{shown['id']}" in objects(moto)

    assert shares.delete_account(second.account_id) == 1
    assert store.get(shown["id"]) is None
    assert f"codes/{shown['id']}" not in objects(moto)
    assert shares.delete_account(second.account_id) == 0  # nothing left: a retried DELETE /me is fine


def test_a_share_whose_code_failed_is_made_on_the_next_try(shares, wechat):
    from wegit.errors import UpstreamBusy

    who, login_ = caller(), login()
    wechat.code_errors.append(45009)
    with pytest.raises(UpstreamBusy) as busy:
        shares.share(who, "developer", {"login": login_})
    assert busy.value.retry_after == 60
    shown, made = shares.share(who, "developer", {"login": login_})
    assert made
    assert shares.image(shown["id"])[0].startswith(PNG)


def test_a_refused_access_token_is_refreshed_once_then_the_code_made(shares, wechat):
    who = caller()
    shares.share(who, "developer", {"login": login()})  # an access token is cached
    wechat.expire_tokens()
    before = wechat.token_calls
    _, made = shares.share(who, "developer", {"login": login()})
    assert made
    assert wechat.token_calls > before  # a new token was asked for


def test_a_page_that_is_not_published_is_a_502_that_names_the_setting(shares, wechat, monkeypatch):
    from wegit.errors import UpstreamUnavailable

    monkeypatch.setenv("WECHAT_MINIPROGRAM_STATE", "formal")  # release: WeChat checks the page exists
    monkeypatch.setenv("SHARE_CODE_PAGE", "pages/not-published/index")
    with pytest.raises(UpstreamUnavailable) as refused:
        shares.share(caller(), "developer", {"login": login()})
    assert refused.value.status == 502
    assert "ShareCodePage" in refused.value.message
    sent = wechat.requests("/wxa/getwxacodeunlimit")[-1].get_json()
    assert (sent["env_version"], sent["check_path"]) == ("release", True)
