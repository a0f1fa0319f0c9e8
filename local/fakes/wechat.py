"""A fake api.weixin.qq.com on loopback: login (`sns/jscode2session`), access tokens (`cgi-bin/stable_token`),
subscribe messages (`cgi-bin/message/subscribe/send`) and mini-program codes (`wxa/getwxacodeunlimit`, a PNG),
answering as WeChat does: HTTP 200 and `{"errcode", "errmsg"}` on failure (see tests/shared/WECHAT.md).

Mini-program codes: a small PNG that depends on the scene only; `code_errors` (in-process, or
`POST /_fake/code-errors {"errcodes": [45009]}` from outside) makes the next calls answer those errcodes, one
each, before any check; `code_calls` counts the calls, `codes_made` those that answered an image.

Login codes: any code logs in once (a second use is 40163) as a stable openid derived from the part before
the first "."; so `alice.1`, `alice.2`, ... all log in as the same user. Reserved codes answer an error:
RESERVED_CODES below (and `down`: HTTP 503, WeChat unreachable in effect). Every accepted message is kept
in `sent`, so tests and people can see what the service sent."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import struct
import threading
import zlib
from typing import Any

from werkzeug import Request, Response

from local.fakes.server import FixtureHTTPServer, LoopbackFake
from local.template import SHARED

APP_ID = "wx5e1f0c0ffee0b0a7"  # the fake's mini-program; the local stack configures it offline
APP_SECRET = "wegit-fake-wechat-app-secret-0001"  # noqa: S105 - the fake's own AppSecret, valid nowhere else
TEMPLATES = ("tmpl-github-notification", "tmpl-github-release")  # subscribe-message templates the fake knows
RESERVED_CODES = {
    "invalid-code": 40029,
    "used-code": 40163,
    "rate-limited": 45011,
    "high-risk": 40226,
    "busy": -1,
}
DOWN_CODE = "down"
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "high risk user",
    40097: "invalid args",
    40169: "invalid length for scene, or the data is not json",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}
# Keyword rules of subscribe-message values, by the key's prefix (WECHAT.md).
_RULES: dict[str, re.Pattern[str]] = {
    "thing": re.compile(r"^.{1,20}$", re.S),
    "phrase": re.compile(r"^[\u4e00-\u9fff]{1,5}$"),
    "time": re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$|^\d{4}年\d{1,2}月\d{1,2}日.*$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}.*$|^\d{4}年\d{1,2}月\d{1,2}日.*$"),
    "character_string": re.compile(r"^[\x21-\x7e]{1,32}$"),
    "number": re.compile(r"^\d{1,32}$"),
    "name": re.compile(r"^([\u4e00-\u9fff]{1,10}|[A-Za-z ]{1,20})$"),
    "amount": re.compile(r"^[¥$€]?\d+(\.\d{1,2})?元?$"),
}


# WeChat counts lengths as JavaScript does, in UTF-16 code units: an emoji outside the BMP is two.
_MAX_UNITS = {"thing": 20, "character_string": 32, "number": 32, "name": 20}
MINIPROGRAM_STATES = ("formal", "trial", "developer")
ENV_VERSIONS = ("release", "trial", "develop")
# The pages of the fake's released mini-program (check_path: a code for another page is 41030).
PUBLISHED_PAGES = frozenset({"pages/share/index", "pages/repository/index", "pages/developer/index",
                             "pages/trending/index", "pages/notifications/index"})  # fmt: skip
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")


def code_png(scene: str) -> bytes:
    """A 21x21 black-and-white PNG drawn from the scene's hash: a real image, the same for the same scene."""
    bits = hashlib.sha256(scene.encode()).digest() * 2
    rows = b"".join(
        b"\0" + bytes(0 if bits[(y * 21 + x) // 8 % len(bits)] >> (x % 8) & 1 else 255 for x in range(21))
        for y in range(21)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 21, 21, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def openid_for(code: str) -> str:
    """The openid a login code logs in as: stable per the part before the first "."."""
    digest = hashlib.sha256(b"wegit-fake-openid\0" + code.split(".", 1)[0].encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def error(code: int, status: int = 200) -> Response:
    body = {"errcode": code, "errmsg": f"{ERRMSG.get(code, 'error')} rid: {secrets.token_hex(6)}"}
    return Response(json.dumps(body), status=status, content_type="application/json")


def ok(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=200, content_type="application/json")


class WeChatFake(LoopbackFake):
    def __init__(self) -> None:
        fixture = json.loads((SHARED / "fixtures" / "wechat" / "jscode2session_ok.json").read_text())
        self._login_shape = fixture  # the recorded success body, with our openid and a fresh session_key
        self.server = FixtureHTTPServer()
        self.used_codes: set[str] = set()
        self.tokens: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.grants: dict[tuple[str, str], int] = {}  # (openid, template) -> messages allowed; absent = unlimited
        self.token_calls = 0
        self.code_calls = 0
        self.codes_made = 0  # the calls that answered an image
        self.code_errors: list[int] = []  # errcodes the next mini-program code calls answer, one each
        self._lock = threading.Lock()
        self.server.route(r"/sns/jscode2session$", self._jscode2session)
        self.server.route(r"/cgi-bin/stable_token$", self._stable_token)
        self.server.route(r"/cgi-bin/message/subscribe/send$", self._send)
        self.server.route(r"/wxa/getwxacodeunlimit$", self._code)
        self.server.route(r"/_fake/code-errors$", self._script_code_errors)  # not WeChat: scripted refusals
        self.server.route(
            r"/_fake/sent$", lambda request: ok({"sent": list(self.sent)})
        )  # not WeChat: what it accepted
        self.server.route(r"", lambda request: Response("not found", status=404))

    # -- where it listens, what it saw -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def requests(self, path_prefix: str = "") -> list[Request]:
        return [request for request, _ in list(self.server.log) if request.path.startswith(path_prefix)]

    def clear(self) -> None:
        """Forget requests, scripted answers, sent messages, grants and issued tokens (used codes stay used)."""
        self.server.clear()
        with self._lock:
            self.sent.clear()
            self.grants.clear()
            self.tokens.clear()
            self.token_calls = 0
            self.code_calls = 0
            self.codes_made = 0
            self.code_errors.clear()

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (42001), as if two hours had passed."""
        with self._lock:
            self.tokens.clear()

    # -- routes ----------------------------------------------------------------------------------------------

    def _credentials_error(self, app_id: Any, secret: Any) -> Response | None:
        if app_id != APP_ID:
            return error(40013)
        if secret != APP_SECRET:
            return error(40125)
        return None

    def _jscode2session(self, request: Request) -> Response:
        args = request.args
        refused = self._credentials_error(args.get("appid"), args.get("secret"))
        if refused is not None:
            return refused
        code = args.get("js_code", "")
        if args.get("grant_type") != "authorization_code" or not code:
            return error(40029)
        if code == DOWN_CODE:
            return Response("<html><body>503 Service Temporarily Unavailable</body></html>", status=503)
        if code in RESERVED_CODES:
            return error(RESERVED_CODES[code])
        with self._lock:
            if code in self.used_codes:
                return error(40163)
            self.used_codes.add(code)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        body = {**self._login_shape, "openid": openid_for(code), "session_key": session_key}
        body.pop("unionid", None)  # only mini-programs bound to an open platform account get one
        return ok(body)

    def _stable_token(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return error(47003)
        refused = self._credentials_error(body.get("appid"), body.get("secret"))
        if refused is not None:
            return refused
        with self._lock:
            self.token_calls += 1
            if body.get("force_refresh") or not self.tokens:
                self.tokens = {"fake-access-token-" + secrets.token_hex(16)}
            token = next(iter(self.tokens))
        return ok({"access_token": token, "expires_in": 7200})

    def _send(self, request: Request) -> Response:
        token = request.args.get("access_token", "")
        with self._lock:
            known = token in self.tokens
        if not known:
            return error(42001 if token.startswith("fake-access-token-") else 40001)
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return error(47003)
        refused = _message_refusal(body)
        if refused:
            return error(refused)
        touser, template = body["touser"], body["template_id"]
        with self._lock:
            left = self.grants.get((touser, template))
            if left is not None:
                if left <= 0:
                    return error(43101)
                self.grants[(touser, template)] = left - 1
            self.sent.append(body)
        return ok({"errcode": 0, "errmsg": "ok", "msgid": secrets.randbelow(10**12)})

    def _code(self, request: Request) -> Response:
        token = request.args.get("access_token", "")
        with self._lock:
            self.code_calls += 1
            scripted = self.code_errors.pop(0) if self.code_errors else 0
            known = token in self.tokens
        if scripted:
            return error(scripted)
        if not known:
            return error(42001 if token.startswith("fake-access-token-") else 40001)
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return error(47001)
        refused = _code_refusal(body)
        if refused:
            return error(refused)
        with self._lock:
            self.codes_made += 1
        return Response(code_png(body["scene"]), status=200, content_type="image/jpeg")  # WeChat's type, PNG bytes

    def _script_code_errors(self, request: Request) -> Response:
        codes = json.loads(request.get_data() or b"{}").get("errcodes", [])
        with self._lock:
            self.code_errors.extend(int(code) for code in codes)
        return ok({"scripted": len(codes)})


def _code_refusal(body: Any) -> int:
    """The errcode WeChat gives a mini-program code request that breaks its rules; 0 when it is well formed."""
    if not isinstance(body, dict) or body.get("env_version", "release") not in ENV_VERSIONS:
        return 40097
    scene, page = body.get("scene"), body.get("page", "")
    if not isinstance(scene, str) or not SCENE.fullmatch(scene):
        return 40169
    if not isinstance(page, str) or page.startswith("/") or "?" in page:
        return 41030
    if body.get("check_path", True) and page and page not in PUBLISHED_PAGES:
        return 41030
    return 0


def _message_refusal(body: Any) -> int:
    """The errcode WeChat gives a subscribe message that breaks its rules; 0 when it is well formed."""
    if not isinstance(body, dict) or not re.fullmatch(r"o[A-Za-z0-9_-]{27}", str(body.get("touser", ""))):
        return 40003
    if body.get("template_id") not in TEMPLATES:
        return 40037
    if body.get("page") and not str(body["page"]).startswith("pages/"):
        return 41030
    data = body.get("data")
    if not isinstance(data, dict) or not data or body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
        return 47003
    for key, value in data.items():
        kind = re.sub(r"\d+$", "", key)
        rule = _RULES.get(kind)
        text = value.get("value") if isinstance(value, dict) else None
        if (
            rule is None
            or not isinstance(text, str)
            or not rule.match(text)
            or utf16_units(text) > _MAX_UNITS.get(kind, 10**6)
        ):
            return 47003
    return 0
