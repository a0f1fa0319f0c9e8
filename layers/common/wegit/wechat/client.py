"""The WeChat server API client (api.weixin.qq.com) on the shared session.

WeChat answers HTTP 200 and reports failure as `{"errcode": N, "errmsg": "..."}`; the `errmsg` wording
changes and carries a request id, so only `errcode` is matched. The mini-program's AppSecret is read at run
time from SSM (never a setting, never logged: the session's log hook redacts `secret` and `js_code`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from wegit.errors import (
    BadCredentials,
    Forbidden,
    RateLimited,
    UpstreamBadResponse,
    UpstreamBusy,
    WeGitError,
)
from wegit.http_session import require_requests_session
from wegit.observability import logger
from wegit.settings import SettingsError, get_settings

BUSY = -1
INVALID_CODE = 40029
CODE_USED = 40163
FREQUENCY_LIMIT = 45011
HIGH_RISK_USER = 40226
LOGIN_ERRORS: dict[int, Callable[[], WeGitError]] = {
    INVALID_CODE: lambda: BadCredentials(
        "WeChat rejected the login code: call wx.login() again", "wechat_code_invalid"
    ),
    CODE_USED: lambda: BadCredentials("this login code was already used: call wx.login() again", "wechat_code_invalid"),
    FREQUENCY_LIMIT: lambda: RateLimited("WeChat's login rate limit for this user is exhausted", retry_after=60),
    HIGH_RISK_USER: lambda: Forbidden("WeChat blocked the login of this user (high-risk account)"),
    BUSY: lambda: UpstreamBusy("WeChat is busy: try again shortly", retry_after=1),
}


class WeChatError(WeGitError):
    """An errcode WeChat answered that the caller has no better name for (e.g. a wrong AppSecret)."""

    status = 502

    def __init__(self, errcode: int) -> None:
        super().__init__(f"WeChat refused the call (errcode {errcode})")
        self.errcode = errcode


@dataclass(frozen=True)
class Login:
    """Who logged in. WeChat's session_key is deliberately not kept: nothing here decrypts user data."""

    openid: str
    unionid: str | None


def app_credentials() -> tuple[str, str]:
    """The mini-program's AppID (a setting) and AppSecret (SSM SecureString, cached a few minutes)."""
    settings = get_settings()
    if not settings.wechat_app_id or not settings.wechat_secret_parameter:
        raise SettingsError("WECHAT_APP_ID and WECHAT_SECRET_PARAMETER must be set")
    from wegit.parameters import secure_parameter

    return settings.wechat_app_id, secure_parameter(settings.wechat_secret_parameter).strip()


def _body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise UpstreamBadResponse("WeChat sent a response that is not JSON") from None
    if not isinstance(body, dict):
        raise UpstreamBadResponse("WeChat sent a response that is not an object")
    return body


def errcode(body: dict[str, Any]) -> int:
    try:
        return int(body.get("errcode") or 0)
    except (TypeError, ValueError):
        raise UpstreamBadResponse("WeChat sent an errcode that is not a number") from None


@require_requests_session
def code_to_session(code: str, *, requests_session: requests.Session) -> Login:
    """`sns/jscode2session`: the openid behind a wx.login() code; each WeChat error as a typed error."""
    app_id, secret = app_credentials()
    try:
        response = requests_session.get(
            get_settings().wechat_api_url + "/sns/jscode2session",
            params={"appid": app_id, "secret": secret, "js_code": code, "grant_type": "authorization_code"},
        )
    except WeGitError as exc:  # down, unreachable, too slow or answering an HTTP error: try later
        raise UpstreamBusy("WeChat is unavailable: try again shortly", retry_after=5) from exc
    body = _body(response)
    code_ = errcode(body)
    if code_:
        logger.warning("WeChat login refused", extra={"errcode": code_})
        raise LOGIN_ERRORS.get(code_, lambda: WeChatError(code_))()
    openid = body.get("openid")
    if not isinstance(openid, str) or not openid:
        raise UpstreamBadResponse("WeChat answered the login without an openid")
    unionid = body.get("unionid")
    return Login(openid, unionid if isinstance(unionid, str) and unionid else None)


# -- server calls of the notifications: access tokens and subscribe messages ------------------------------------

ACCESS_TOKEN_INVALID = 40001
ACCESS_TOKEN_EXPIRED = 42001
NO_GRANT = 43101
TOKEN_ERRORS = frozenset({ACCESS_TOKEN_INVALID, ACCESS_TOKEN_EXPIRED})
INVALID_DATA = 47003
INVALID_OPENID = 40003
INVALID_TEMPLATE = 40037
INVALID_PAGE = 41030
# Refusals that the same message will meet however often it is sent: never retried (WECHAT.md).
PERMANENT_ERRORS: dict[int, str] = {
    INVALID_DATA: "a value breaks its keyword's rule (a bug in wegit/notifications/compose.py)",
    INVALID_OPENID: "WeChat does not know this user's openid",
    INVALID_TEMPLATE: "the template id is not one of the mini-program's (check WeChatTemplateIds)",
    INVALID_PAGE: "the page is not a page of the published mini-program (check WeChatMessagePage)",
}


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_in: int


@require_requests_session
def stable_token(*, force_refresh: bool = False, requests_session: requests.Session) -> AccessToken:
    """`cgi-bin/stable_token`: the app's access token (the same one until it nears expiry, unless forced)."""
    app_id, secret = app_credentials()
    body = {"grant_type": "client_credential", "appid": app_id, "secret": secret, "force_refresh": force_refresh}
    try:
        response = requests_session.post(get_settings().wechat_api_url + "/cgi-bin/stable_token", json=body)
    except WeGitError as exc:
        raise UpstreamBusy("WeChat is unavailable: try again shortly", retry_after=5) from exc
    answer = _body(response)
    code_ = errcode(answer)
    if code_:
        logger.error("WeChat refused an access token", extra={"errcode": code_})
        raise WeChatError(code_)
    token, expires_in = answer.get("access_token"), answer.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int):
        raise UpstreamBadResponse("WeChat answered an access token without access_token/expires_in")
    return AccessToken(token, expires_in)


@require_requests_session
def send_subscribe_message(access_token: str, message: dict[str, Any], *, requests_session: requests.Session) -> int:
    """`cgi-bin/message/subscribe/send`: WeChat's errcode (0 = accepted). The token travels in the query, which
    the session's log hook redacts."""
    response = requests_session.post(
        get_settings().wechat_api_url + "/cgi-bin/message/subscribe/send",
        params={"access_token": access_token},
        json=message,
    )
    return errcode(_body(response))


# -- mini-program codes: wxacode.getUnlimited (the share codes) ------------------------------------------------

CODE_FREQUENCY_LIMIT = 45009  # the app's codes per minute (5000) are spent
CODE_PAGE_INVALID = 41030  # the page is not a page of that version of the mini-program
# What a mini-program code comes back as: the image itself (WeChat sends PNG, whatever its Content-Type says).
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Image:
    content: bytes
    content_type: str


class CodeRefused(WeChatError):
    """WeChat refused to make a mini-program code: `errcode` says why (45009, 41030, ...)."""


@require_requests_session
def unlimited_code(
    access_token: str, scene: str, page: str, env_version: str, *, requests_session: requests.Session
) -> Image:
    """`wxa/getwxacodeunlimit`: a mini-program code opening `page` with `scene` (at most 32 visible characters).
    WeChat answers the image on success and `{"errcode"}` JSON on failure, both with HTTP 200. `check_path` is on
    for the released version only: a trial or developer version's pages are not published."""
    body = {"scene": scene, "page": page, "env_version": env_version, "check_path": env_version == "release"}
    try:
        response = requests_session.post(
            get_settings().wechat_api_url + "/wxa/getwxacodeunlimit", params={"access_token": access_token}, json=body
        )
    except WeGitError as exc:  # down, unreachable, too slow or answering an HTTP error: try later
        raise UpstreamBusy("WeChat is unavailable: try again shortly", retry_after=5) from exc
    content = response.content
    for magic, content_type in IMAGE_TYPES.items():
        if content.startswith(magic):
            return Image(content, content_type)
    code_ = errcode(_body(response))
    if not code_:
        raise UpstreamBadResponse("WeChat answered a mini-program code that is not an image")
    logger.warning("WeChat refused a mini-program code", extra={"errcode": code_})
    raise CodeRefused(code_)
