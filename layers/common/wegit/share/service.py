"""What the share routes do: share a target (its id and mini-program code), show a share, serve its code, resolve
a github.com URL, and forget an account's shares."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wegit.errors import NotFound, UpstreamBusy, UpstreamUnavailable
from wegit.observability import logger
from wegit.share import store, targets

if TYPE_CHECKING:
    from wegit.accounts.sessions import Caller
    from wegit.wechat.client import Image

DEFAULT_PAGE = "pages/share/index"
# The mini-program version a code opens, by WECHAT_MINIPROGRAM_STATE (the subscribe messages' setting).
ENV_VERSIONS = {"formal": "release", "trial": "trial", "developer": "develop"}
QUOTA_RETRY_AFTER = 60  # 45009: WeChat's codes per minute are spent


def code_page() -> str:
    """The page every code opens: it reads `scene` (the id), asks GET /share/{id} and opens the target's page."""
    return os.environ.get("SHARE_CODE_PAGE", "").strip() or DEFAULT_PAGE


def env_version() -> str:
    return ENV_VERSIONS.get(os.environ.get("WECHAT_MINIPROGRAM_STATE", "").strip(), "release")


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shown(share: store.Share) -> dict[str, Any]:
    target = targets.Target(share.type, share.params)
    return {
        "id": share.id,
        "scene": share.id,
        **target.shown(),
        "image": f"/share/{share.id}/image",
        "created_at": _iso(share.created_at or int(time.time())),
    }


def share(caller: Caller, kind: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Share a target: its id (the same for the same target), recorded as made by the caller, and its code made
    once per id. True when the code was made now (WeChat called), False when it was stored already."""
    target = targets.from_request(kind, fields)
    found = store.record(caller.account_id, target.id, target.type, target.params)
    made = found.image_type is None
    if made:
        image = make_code(found.id)
        store.put_image(found.id, image.content, image.content_type)
        store.set_image(found.id, image.content_type, len(image.content))
        logger.info("share code made", extra={"share": found.id, "bytes": len(image.content)})
    return _shown(found), made


def make_code(scene: str) -> Image:
    """The mini-program code of `scene` from WeChat (wxacode.getUnlimited), with the shared access token
    (refreshed once if WeChat refuses it); WeChat's refusals as typed errors."""
    from wegit.notifications import access_token  # the token cache: loaded only when a code is made
    from wegit.wechat import client as wechat

    token = access_token.access_token()
    for attempt in (1, 2):
        try:
            return wechat.unlimited_code(token, scene, code_page(), env_version())
        except wechat.CodeRefused as refused:
            if refused.errcode in wechat.TOKEN_ERRORS and attempt == 1:
                token = access_token.access_token(stale=token)
                continue
            raise _code_error(refused.errcode, refused) from None
    raise AssertionError("unreachable")  # pragma: no cover - the second attempt returns or raises


def _code_error(errcode: int, refused: Exception) -> Exception:
    from wegit.wechat import client as wechat

    if errcode == wechat.CODE_FREQUENCY_LIMIT:
        return UpstreamBusy(
            "WeChat's quota of mini-program codes per minute is spent: try again after Retry-After seconds",
            retry_after=QUOTA_RETRY_AFTER,
        )
    if errcode == wechat.BUSY:
        return UpstreamBusy("WeChat is busy: try again shortly", retry_after=1)
    if errcode == wechat.CODE_PAGE_INVALID:
        return UpstreamUnavailable(
            "WeChat refused the share code's page: it is not a page of this version of the mini-program "
            "(ShareCodePage, WeChatMiniProgramState)"
        )
    return refused


def get(share_id: str) -> dict[str, Any]:
    found = store.get(share_id)
    if found is None:
        raise NotFound("no share with this id (it may have been deleted)")
    return _shown(found)


def image(share_id: str) -> tuple[bytes, str]:
    """The stored code of a share: no WeChat call, ever."""
    found = store.get_image(share_id)
    if found is None:
        raise NotFound("no share code with this id (it may have been deleted)")
    return found


def resolve(url: str) -> dict[str, Any]:
    return targets.from_url(url).shown()


def delete_account(account_id: str) -> int:
    """Every share the account made: its records gone, and each share (with its code) that no other account made."""
    ids = store.account_shares(account_id)
    removed = 0
    for share_id in ids:
        gone = store.forget(account_id, share_id)
        if gone is not None:
            store.delete_image(share_id)
            removed += 1
    logger.info("shares forgotten", extra={"shares": len(ids), "removed": removed})
    return len(ids)
