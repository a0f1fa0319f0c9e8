"""What can be shared, and how: a target (a repository, a developer, a trending page) in one canonical form, the
short id derived from it (so the same target always has the same id and fits WeChat's 32-character `scene`), the
mini-program page and parameters that show it, and github.com URLs read as targets."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from wegit.errors import BadRequest, excerpt

# The same rules as the API's parameters (wegit.validation), checked here for a body or a URL's parts.
LOGIN = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
REPO = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*|\.\.[A-Za-z0-9._-]+")
SINCE = ("daily", "weekly", "monthly")
KINDS = ("repositories", "developers")
TYPES = ("repository", "developer", "trending")
# The mini-program's pages for each type; their parameters are those of the API calls the page makes.
PAGES = {
    "repository": "pages/repository/index",
    "developer": "pages/developer/index",
    "trending": "pages/trending/index",
}
PARAMETER_ORDER = ("owner", "name", "kind", "since", "language")  # a path is the same text whatever stored it
ID_LENGTH = 16  # base32 characters: 80 bits of SHA-256, a collision is never met; WeChat's scene allows 32
ID_PATTERN = re.compile(f"[a-z2-7]{{{ID_LENGTH}}}")
# github.com's first path segments that are not a user or an organisation (its own pages).
RESERVED = frozenset(
    "about account apps blog codespaces collections contact customer-stories dashboard enterprise events explore "
    "features github-copilot issues join login logout marketplace new notifications organizations pricing pulls "
    "readme search security settings site sponsors stars team topics trending watching".split()
)
GITHUB_HOSTS = ("github.com", "www.github.com")


@dataclass(frozen=True)
class Target:
    """A shared thing: its type and the parameters of its page (names as the API's calls take them)."""

    type: str
    params: dict[str, str]

    def __post_init__(self) -> None:
        ordered = sorted(self.params.items(), key=lambda item: PARAMETER_ORDER.index(item[0]))
        object.__setattr__(self, "params", dict(ordered))

    def canonical(self) -> str:
        """One text per target whatever the case the caller wrote it in (GitHub's names ignore case)."""
        if self.type == "repository":
            return f"repository:{self.params['owner']}/{self.params['name']}".lower()
        if self.type == "developer":
            return f"developer:{self.params['name']}".lower()
        language = self.params.get("language", "")
        return f"trending:{self.params['kind']}:{self.params['since']}:{language}".lower()

    @property
    def id(self) -> str:
        return share_id(self)

    @property
    def page(self) -> str:
        return PAGES[self.type]

    @property
    def path(self) -> str:
        """The page with its query, as wx.navigateTo takes it."""
        query = "&".join(f"{key}={quote(value, safe='')}" for key, value in self.params.items())
        return f"{self.page}?{query}" if query else self.page

    def shown(self) -> dict[str, Any]:
        return {"type": self.type, "page": self.page, "params": dict(self.params), "path": self.path}


def share_id(target: Target) -> str:
    """The target's id: the first 80 bits of the SHA-256 of its canonical form, in lower-case base32 (16 letters
    and digits, all in WeChat's scene alphabet). Deterministic, so sharing the same target twice finds the first."""
    digest = hashlib.sha256(b"wegit-share\0" + target.canonical().encode()).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def _login(value: Any, parameter: str) -> str:
    if not isinstance(value, str) or len(value) > 39 or not LOGIN.fullmatch(value):
        raise BadRequest(f"invalid parameter {parameter}: {excerpt(value)} is not a GitHub login")
    return value


def _repo(value: Any, parameter: str) -> str:
    if not isinstance(value, str) or len(value) > 100 or not REPO.fullmatch(value):
        raise BadRequest(f"invalid parameter {parameter}: {excerpt(value)} is not a repository name")
    return value


def _since(value: Any, parameter: str) -> str:
    since = (value or "daily").strip().lower() if isinstance(value, str) or value is None else value
    if since not in SINCE:
        raise BadRequest(f"invalid parameter {parameter}: {excerpt(value)} is not one of daily, weekly, monthly")
    return str(since)


def _language(value: str | None, parameter: str) -> str | None:
    """A trending language's slug (any name or slug github.com knows), None for all languages."""
    from wegit.trending import service as trending  # the menu: loaded only for a trending target

    try:
        return trending.resolve_language(value)
    except BadRequest as exc:
        raise BadRequest(exc.message.replace("parameter language", f"parameter {parameter}", 1)) from None


def trending(kind: str, since: Any, language: str | None, parameter: str | None = None) -> Target:
    """A trending page; a bad value is a 400 naming `parameter` (a URL's) or its own field (a body's)."""
    params = {"kind": kind, "since": _since(since, parameter or "since")}
    slug = _language(language, parameter or "language")
    if slug:
        params["language"] = slug
    return Target("trending", params)


def from_request(kind: str, fields: dict[str, Any]) -> Target:
    """The target a POST /share body names; a field its type needs that is missing is a 400 naming it."""

    def required(name: str) -> Any:
        value = fields.get(name)
        if value is None or value == "":
            raise BadRequest(f"invalid parameter {name}: required for type {kind}")
        return value

    if kind == "repository":
        owner, name = _login(required("owner"), "owner"), _repo(required("name"), "name")
        return Target("repository", {"owner": owner, "name": name})
    if kind == "developer":
        return Target("developer", {"name": _login(required("login"), "login")})
    if kind == "trending":
        return trending(fields.get("kind") or "repositories", fields.get("since"), fields.get("language"))
    raise BadRequest(f"invalid parameter type: {excerpt(kind)} is not one of {', '.join(TYPES)}")


def from_url(url: str) -> Target:
    """The target a github.com URL shows: a repository (any page inside it), a user or organisation, a trending
    page. Anything else (another host, github.com's own pages, a malformed name) is a 400 naming `url`."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in GITHUB_HOSTS or parts.port:
        raise BadRequest(f"invalid parameter url: {excerpt(url)} is not a github.com URL")
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    not_shown = BadRequest(f"invalid parameter url: {excerpt(url)} is not a repository, user or trending page")
    if not segments:
        raise not_shown
    first = segments[0].lower()
    if first == "trending":
        kind = "developers" if segments[1:2] == ["developers"] else "repositories"
        rest = segments[2:] if kind == "developers" else segments[1:]
        if len(rest) > 1:
            raise not_shown
        return trending(kind, query.get("since"), rest[0] if rest else None, "url")
    if first == "orgs" and len(segments) >= 2:
        return Target("developer", {"name": _url_part(_login, segments[1], url)})
    if first in RESERVED:
        raise not_shown
    login = _url_part(_login, segments[0], url)
    if len(segments) == 1:
        return Target("developer", {"name": login})
    name = segments[1].removesuffix(".git")
    return Target("repository", {"owner": login, "name": _url_part(_repo, name, url)})


def _url_part(check: Any, value: str, url: str) -> str:
    try:
        return str(check(value, "url"))
    except BadRequest:
        raise BadRequest(f"invalid parameter url: {excerpt(url)} does not name a GitHub user or repository") from None
