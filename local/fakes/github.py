"""A fake api.github.com and github.com trending on loopback that replays recorded GitHub traffic."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug import Request, Response

from local.fakes.server import FixtureHTTPServer, LoopbackFake
from local.template import SHARED

FIXTURES = SHARED / "fixtures"

GITHUB_API = "https://api.github.com"
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

# The recording behind each route, as "<format dir>/<file stem>#<interaction>"; `GitHubFake.recorded` takes
# either form. Each was picked for the fields the mini-program reads.
NAMED: dict[str, str] = {
    # sigmavirus24: every profile field filled except bio (null); the same person as "me".
    "user": "github3py/GitHub_user#0",
    "me": "github3py/GitHub_me#0",
    # 25 events, string ids, display_login everywhere, Link next+last, Last-Modified, X-Poll-Interval.
    "received_events": "github3py/User_received_events#1",
    # The only repository recording with both a license (name "Other") and subscribers_count: octokit-rb's
    # linguist-with-topics lacks license and octokit-fixtures' hello-world is empty (0 stars, license null).
    "repository": "github3py/GitHub_repository#0",
    # github3py's readme is README.rst; octokit.rb's is Markdown, which is what raw/html consumers expect.
    "readme": "octokit-rb/Contents__readme_returns_the_default_readme#0",
    # 30 of 77 items with Link next/last (github3py's search has 8 items and no Link to follow).
    "search_repositories": "octokit-rb/Search__search_repositories_searches_repositories#0",
    # 22 notifications; the unread-only recordings are empty lists.
    "notifications": "github3py/GitHub_all_notifications#0",
    # github3py's has resources.core/search besides the legacy "rate" octokit-rb's has alone.
    "rate_limit": "github3py/GitHub_rate_limit#0",
}

# A well-formed token the fake answers 401 "Bad credentials" for on every call, as GitHub does for a revoked one.
REJECTED_TOKEN = "ghp_" + "0" * 36
FINE_GRAINED_PREFIX = "github_pat_"  # a fine-grained token: GET /notifications answers 403 to it, as GitHub does
_WELL_FORMED = re.compile(r"^(token|bearer) [A-Za-z0-9_]{20,255}$", re.IGNORECASE)

TRENDING_REPOSITORIES = "repositories_2023-05-18_all_daily.html"
# The days github.com/trending (all languages) was recorded on, each a page of 25 repositories: which one the fake
# serves is switchable (`POST /web/_fake/trending-day`, or WEGIT_FAKE_TRENDING_DAY), so the trending history can be
# shown with two days. The newest is the default.
TRENDING_DAYS = {
    "2023-05-18": "repositories_2023-05-18_all_daily.html",
    "2020-02-28": "repositories_2020-02-28_all_daily.html",
}
TRENDING_REPOSITORIES_BY_LANGUAGE = {
    "rust": "repositories_2026-05-07_rust_weekly.html",
    "typescript": "repositories_2021-04-07_typescript_daily.html",
    "v": "repositories_2021-04-07_v_daily_short.html",
}
TRENDING_DEVELOPERS = "developers_2020-02-10_all_daily.html"
TRENDING_DEVELOPERS_BY_LANGUAGE = {
    "python": "developers_2021-04-07_python_daily.html",
    "elixir": "developers_2021-04-07_elixir_daily_short.html",
}

# Recorded bodies were decoded and are re-sent whole, so framing headers would lie. Date and Server are
# dropped only when serving, since the HTTP server sends its own: a second, 2014 Date next to max-age=60
# would make every HTTP cache treat the answer as stale.
_DROPPED = frozenset(
    {
        "connection",
        "content-encoding",
        "content-length",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# The recordings spell header names three ways (etag, Etag, ETag); tests should not have to care.
_CANONICAL = {
    name.lower(): name
    for name in (
        "ETag",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Used",
        "X-RateLimit-Resource",
        "X-GitHub-Media-Type",
        "X-GitHub-Request-Id",
        "X-OAuth-Scopes",
        "X-Accepted-OAuth-Scopes",
        "X-XSS-Protection",
        "X-Runtime-rack",
        "WWW-Authenticate",
    )
}
_README_MEDIA = re.compile(r"application/vnd\.github(?P<v3>\.v3)?\.(?P<kind>raw|html)(?:\+json)?$")
_LINK = re.compile(r'<(?P<url>[^>]*)>\s*;\s*rel="(?P<rel>[^"]+)"')


@dataclass(frozen=True)
class Recording:
    """One recorded answer: status, the headers worth replaying, and the body as bytes."""

    status: int
    headers: dict[str, str]
    body: bytes
    method: str = "GET"
    url: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def canonical_header(name: str) -> str:
    return _CANONICAL.get(name.lower()) or "-".join(part.capitalize() for part in name.split("-"))


def _headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        if name.lower() in _DROPPED:
            continue
        key = canonical_header(name)
        # A repeated header (Vary, twice, in the nock and VCR recordings) means the same as one comma-joined.
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _flatten(headers: dict[str, str | list[str]]) -> Iterable[tuple[str, str]]:
    for name, value in headers.items():
        for one in [value] if isinstance(value, str) else value:
            yield name, one


def _body_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    # GitHub sends compact JSON; matching it keeps byte counts and ETag-free comparisons realistic.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def load_github3py(path: Path) -> list[Recording]:
    """github3.py betamax cassettes as converted: [{recorded_at, method, uri, status, headers, body}]."""
    recordings = []
    for item in json.loads(path.read_text()):
        status = item["status"]
        recordings.append(
            Recording(
                status=int(status["code"] if isinstance(status, dict) else status),
                headers=_headers(_flatten(item["headers"])),
                body=_body_bytes(item["body"]),
                method=item["method"].upper(),
                url=item["uri"],
            )
        )
    return recordings


def load_octokit_fixtures(path: Path) -> list[Recording]:
    """octokit/fixtures nock scenarios: [{scope, method, path, status, response, rawHeaders: [n, v, ...]}]."""
    recordings = []
    for item in json.loads(path.read_text()):
        raw = item.get("rawHeaders", [])
        body = item.get("response", "")
        if item.get("responseIsBinary") and isinstance(body, str):
            body = bytes.fromhex(body)  # nock stores binary bodies hex-encoded
        recordings.append(
            Recording(
                status=int(item["status"]),
                headers=_headers(zip(raw[::2], raw[1::2], strict=True)),
                body=_body_bytes(body),
                method=item["method"].upper(),
                url=item["scope"].removesuffix(":443") + item["path"],
            )
        )
    return recordings


def load_octokit_rb(path: Path) -> list[Recording]:
    """octokit.rb VCR cassettes: {http_interactions: [{request, response: {status, headers, body}}]}."""
    recordings = []
    for item in json.loads(path.read_text())["http_interactions"]:
        response = item["response"]
        body = response["body"]
        data = base64.b64decode(body["base64_string"]) if "base64_string" in body else body["string"].encode()
        recordings.append(
            Recording(
                status=int(response["status"]["code"]),
                headers=_headers(_flatten(response["headers"])),
                body=data,
                method=item["request"]["method"].upper(),
                url=item["request"]["uri"],
            )
        )
    return recordings


def load_openapi_example(path: Path) -> list[Recording]:
    """GitHub's OpenAPI example payloads: a bare JSON body, so only the Content-Type is known."""
    return [Recording(200, {"Content-Type": JSON_TYPE}, _body_bytes(json.loads(path.read_text())))]


def load_recordings(path: Path) -> list[Recording]:
    """Any of the four formats, told apart by shape rather than by folder so copied fixtures still load."""
    data = json.loads(path.read_text())
    if isinstance(data, dict) and "http_interactions" in data:
        return load_octokit_rb(path)
    if isinstance(data, list) and data and isinstance(data[0], dict):
        if "scope" in data[0] and "rawHeaders" in data[0]:
            return load_octokit_fixtures(path)
        if "uri" in data[0] and "status" in data[0]:
            return load_github3py(path)
    return load_openapi_example(path)


def link_header(
    base: str, page: int, last: int | None, per_page: int | None = 30, *, has_next: bool | None = None
) -> str:
    """A Link header as GitHub emits it for `page` of `base`: prev, next, last, first (in that order).

    last=None leaves out rel="last" (GitHub does for some listings), and then a next link is given unless
    has_next=False says this is the final page. per_page=None leaves per_page out of the URLs.
    """
    parts = urlsplit(base)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("page", "per_page")]

    def url(number: int) -> str:
        query = [
            *kept,
            *([("per_page", str(per_page))] if per_page is not None else []),
            ("page", str(number)),
        ]
        return urlunsplit(parts._replace(query=urlencode(query)))

    more = has_next if has_next is not None else (last is None or page < last)
    links = []
    if page > 1:
        links.append(f'<{url(page - 1)}>; rel="prev"')
    if more:
        links.append(f'<{url(page + 1)}>; rel="next"')
    if last is not None and page < last:
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links)


def parse_link(value: str) -> dict[str, str]:
    """rel -> URL of a Link header."""
    return {m["rel"]: m["url"] for m in _LINK.finditer(value)}


def github_error(status: int, message: str, documentation_url: str, **extra: Any) -> Response:
    """A JSON error body shaped like GitHub's."""
    body = {"message": message, **extra, "documentation_url": documentation_url}
    return Response(
        _body_bytes(body),
        status=status,
        headers={"Content-Type": JSON_TYPE, "X-GitHub-Media-Type": "github.v3; format=json"},
    )


def not_found() -> Response:
    return github_error(404, "Not Found", "https://docs.github.com/rest")


def readme_html(markdown: str) -> str:
    """A stand-in for GitHub's rendering of a README with the vnd.github.html media type.

    GitHub renders with its own Markdown engine and the recorded README uses reference links and fences, so
    a faithful rendering is out of reach here: headings and fenced code are kept, every other block becomes
    an escaped <p>, and one relative image and one relative link are added (GitHub leaves such links relative
    in the API's HTML) so that sanitising and link-absolutising code has real input to work on.
    """
    out = ['<article class="markdown-body">']
    block: list[str] = []
    fence: list[str] | None = None
    image_added = False

    def flush() -> None:
        if block:
            out.append(f"<p>{html.escape(' '.join(line.strip() for line in block))}</p>")
            block.clear()

    for line in markdown.splitlines():
        if fence is not None:
            if line.startswith("```"):
                code = html.escape("\n".join(fence))
                out.append(f"<pre><code>{code}</code></pre>")
                fence = None
            else:
                fence.append(line)
        elif line.startswith("```"):
            flush()
            fence = []
        elif heading := re.match(r"(#{1,6})\s+(.*)", line):
            flush()
            level, text = len(heading[1]), heading[2].strip()
            out.append(f"<h{level}>{html.escape(text)}</h{level}>")
            if not image_added:
                out.append('<p><img src="docs/images/logo.png" alt="logo"></p>')
                image_added = True
        elif line.strip():
            block.append(line)
        else:
            flush()
    flush()
    out.append('<p>See <a href="LICENSE.md">LICENSE</a> for details.</p>')
    out.append("</article>")
    return "\n".join(out) + "\n"


class GitHubFake(LoopbackFake):
    """api.github.com under /api and github.com under /web, answered from recorded fixtures.

    Any well-formed request gets the recorded data whatever login or repository it names. Tests script
    errors on `server` (expect_oneshot_request / expect_ordered_request / expect_request), which are
    consulted before the fixture routes; anything no route knows gets GitHub's 404 JSON.
    """

    def __init__(self, fixtures: Path | None = None) -> None:
        # Read at construction, not import, so a test or the stack can point WEGIT_FIXTURES elsewhere late.
        self.fixtures = Path(fixtures or os.environ.get("WEGIT_FIXTURES") or FIXTURES)
        if not (self.fixtures / "github-api").is_dir() or not (self.fixtures / "trending").is_dir():
            raise FileNotFoundError(
                f"no GitHub fixtures at {self.fixtures} (github-api/ and trending/); set WEGIT_FIXTURES"
            )
        self._files: dict[str, list[Recording]] = {}
        self._pages: dict[str, bytes] = {}
        # Loaded now so a missing or unreadable fixture fails at startup, not on the first click.
        self._replies = {name: self.recorded(name) for name in NAMED}
        self.server = FixtureHTTPServer()
        self.rejected_tokens = {REJECTED_TOKEN}
        # Notifications per token (set by tests and benchmarks; a token without its own list gets the
        # recording), the latest release per "owner/name" (None: the repository has none; absent: a generated
        # one), and the rate limit each token spent: a 304 spends none, as on GitHub.
        self.notifications: dict[str, list[dict[str, Any]]] = {}
        self.releases: dict[str, dict[str, Any] | None] = {}
        self.rate_spent: dict[str, int] = {}
        self.default_trending_day = os.environ.get("WEGIT_FAKE_TRENDING_DAY") or max(TRENDING_DAYS)
        if self.default_trending_day not in TRENDING_DAYS:
            raise ValueError(f"WEGIT_FAKE_TRENDING_DAY: no recorded day {self.default_trending_day!r}; "
                             f"recorded: {', '.join(sorted(TRENDING_DAYS))}")  # fmt: skip
        self.trending_day = self.default_trending_day
        self._routes()

    # -- where it listens, what it saw -----------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self.server.url_for("/api")

    @property
    def web_url(self) -> str:
        return self.server.url_for("/web")

    def requests(self, path_prefix: str = "") -> list[Request]:
        """Requests served so far, oldest first, whose path starts with path_prefix (e.g. "/api/users")."""
        return [request for request, _ in list(self.server.log) if request.path.startswith(path_prefix)]

    def clear(self) -> None:
        """Forget the log, every handler a test added (oneshot, ordered, permanent) and every token revoked
        with `revoke`; keep the fixtures."""
        self.server.clear()
        self.rejected_tokens = {REJECTED_TOKEN}
        self.notifications, self.releases, self.rate_spent = {}, {}, {}
        self.trending_day = self.default_trending_day

    def revoke(self, token: str) -> None:
        """From now on GitHub answers 401 for this token (a user revoked it)."""
        self.rejected_tokens.add(token)

    def recorded(self, name: str) -> Recording:
        """A recording by short name (see NAMED) or as "<format dir>/<file stem>[#<index>]"."""
        ref, _, index = NAMED.get(name, name).partition("#")
        if ref not in self._files:
            self._files[ref] = load_recordings(self.fixtures / "github-api" / f"{ref}.json")
        recording = self._files[ref][int(index or 0)]
        # A copy, so a test that edits the headers it was given cannot change what the server replays.
        return replace(recording, headers=dict(recording.headers))

    # -- routes ----------------------------------------------------------------------------------------------

    def _routes(self) -> None:
        api: list[tuple[str, Callable[[Request], Response]]] = [
            (r"/api/user$", self._authenticated_user),
            (r"/api/users/[^/]+$", lambda r: self._replay(r, "user")),
            (
                r"/api/users/[^/]+/(received_events|events)(/public)?$",
                lambda r: self._replay(r, "received_events", paged=True),
            ),
            # The recorded Link headers of received events point at /user/<id>/received_events.
            (
                r"/api/user/\d+/(received_events|events)(/public)?$",
                lambda r: self._replay(r, "received_events", paged=True),
            ),
            (r"/api/repos/[^/]+/[^/]+$", lambda r: self._replay(r, "repository")),
            (r"/api/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)/releases/latest$", self._latest_release),
            (r"/api/repos/[^/]+/[^/]+/readme(/.*)?$", self._readme),
            (r"/api/search/repositories$", self._search_repositories),
            (r"/api/notifications$", self._notifications),
            (r"/api/notifications/threads/(?P<thread>[^/]+)$", self._thread),
            (r"/api/rate_limit$", lambda r: self._replay(r, "rate_limit")),
            (r"/web/trending/developers(/(?P<language>[^/]+))?/?$", self._trending_developers),
            (r"/web/trending(/(?P<language>[^/]+))?/?$", self._trending_repositories),
        ]
        self.server.route(r"/api/_fake/notifications$", self._add_notification)
        self.server.route(r"/web/_fake/trending-day$", self._trending_day)
        for pattern, handler in api:
            self.server.route(pattern, self._guarded(handler))
        self.server.route(r"", lambda request: not_found())

    def _guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        # An exception escaping a handler would leave the request out of server.log and answer with werkzeug's
        # HTML 500; a JSON 500 keeps clients on their GitHub error path and the request visible to tests.
        def run(request: Request) -> Response:
            if request.method not in ("GET", "HEAD") and not (
                request.method == "PATCH" and "/threads/" in request.path
            ):
                return not_found()
            authorization = request.headers.get("Authorization")
            if authorization and (
                not _WELL_FORMED.match(authorization) or authorization.split()[1] in self.rejected_tokens
            ):
                return github_error(401, "Bad credentials", "https://docs.github.com/rest")
            try:
                return handler(request)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                return github_error(500, f"fake GitHub failed: {exc!r}", "https://docs.github.com/rest")

        return run

    def _replay(self, request: Request, name: str, *, paged: bool = False) -> Response:
        recording = self._replies[name]
        headers = {k: v for k, v in recording.headers.items() if k not in ("Date", "Server")}
        body = recording.body
        api_base = request.host_url.rstrip("/") + "/api"
        if "Link" in headers:
            headers["Link"] = headers["Link"].replace(GITHUB_API, api_base)
        if paged:
            page = _requested_page(request)
            links = parse_link(headers.get("Link", ""))
            last = _page_of(links["last"]) if "last" in links else None
            # Every page in range replays the one recorded page; without rel="last" a recorded rel="next" only
            # vouches for page 2. Links are rebuilt for the page asked so that following next terminates.
            known = last or (2 if "next" in links else 1)
            if page > 1:
                if page > known:
                    body = _empty_page(body)
                template = links.get("next") or links.get("last")
                if template:
                    per_page = dict(parse_qsl(urlsplit(template).query)).get("per_page")
                    headers["Link"] = link_header(
                        template, page, last, int(per_page) if per_page else None, has_next=page < known
                    )
        if recording.status == 200 and _etag_matches(request.headers.get("If-None-Match"), headers.get("ETag")):
            return Response(b"", status=304, headers=[(k, v) for k, v in headers.items() if k != "Content-Type"])
        return Response(body, status=recording.status, headers=list(headers.items()))

    def _authenticated_user(self, request: Request) -> Response:
        if not request.headers.get("Authorization"):
            return github_error(
                401,
                "Requires authentication",
                "https://docs.github.com/rest/users/users#get-the-authenticated-user",
            )
        return self._replay(request, "me")

    def _notifications(self, request: Request) -> Response:
        if not request.headers.get("Authorization"):
            return github_error(
                401,
                "Requires authentication",
                "https://docs.github.com/rest/activity/notifications#list-notifications-for-the-authenticated-user",
            )
        token = request.headers["Authorization"].split()[-1]
        if token.startswith(FINE_GRAINED_PREFIX):  # GitHub's notifications API takes classic tokens only
            return github_error(
                403,
                "Resource not accessible by personal access token",
                "https://docs.github.com/rest/activity/notifications#list-notifications-for-the-authenticated-user",
            )
        if token not in self.notifications:
            return self._replay(request, "notifications", paged=True)
        items = sorted(self.notifications[token], key=lambda item: str(item.get("updated_at")), reverse=True)
        body = _body_bytes(items)
        newest = max((str(item.get("updated_at")) for item in items), default="2018-02-04T11:39:55Z")
        return self._conditional(request, token, body, _http_date(newest), {"X-Poll-Interval": "60"})

    def _add_notification(self, request: Request) -> Response:
        """Not GitHub: `POST /_fake/notifications` {"repo", "title", "type"} with the user's token adds a notification
        updated now to that token's list (the first one starts an empty list), so a person can try the pipeline."""
        authorization = request.headers.get("Authorization", "")
        if request.method != "POST" or not authorization:
            return github_error(400, "POST a notification with the user's Authorization header", "")
        body = request.get_json(silent=True) or {}
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        repo = str(body.get("repo") or "octocat/hello-world")
        item = {
            "id": str(int(datetime.now(UTC).timestamp() * 1000)),
            "unread": True,
            "reason": str(body.get("reason") or "mention"),
            "updated_at": now,
            "last_read_at": None,
            "subject": {
                "title": str(body.get("title") or "Something happened"),
                "type": str(body.get("type") or "Issue"),
            },
            "repository": {"full_name": repo, "name": repo.rsplit("/", maxsplit=1)[-1]},
        }
        self.notifications.setdefault(authorization.split()[-1], []).append(item)
        return Response(json.dumps(item), status=201, content_type=JSON_TYPE)

    def _conditional(
        self, request: Request, token: str | None, body: bytes, last_modified: str | None, extra: dict[str, str]
    ) -> Response:
        """200 with ETag (and Last-Modified), or 304 when the client's validators still hold (free of rate limit)."""
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, **extra}
        if last_modified:
            headers["Last-Modified"] = last_modified
        since = request.headers.get("If-Modified-Since")
        unchanged = _etag_matches(request.headers.get("If-None-Match"), etag) or (
            since is not None and last_modified is not None and _epoch(since) >= _epoch(last_modified)
        )
        if unchanged:
            return Response(b"", status=304, headers=headers)
        key = token or "anonymous"
        self.rate_spent[key] = self.rate_spent.get(key, 0) + 1
        headers.update({"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(max(0, 5000 - self.rate_spent[key]))})
        return Response(body, status=200, headers=headers, content_type=JSON_TYPE)

    def _latest_release(self, request: Request) -> Response:
        """A repository's latest release: the one a test set in `releases`, else one generated from its name."""
        match = re.search(r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)/releases/latest$", request.path)
        assert match is not None
        repo = f"{match['owner']}/{match['name']}"
        release = self.releases.get(repo, _generated_release(repo))
        if release is None:
            return not_found()
        authorization = request.headers.get("Authorization")
        return self._conditional(request, authorization.split()[-1] if authorization else None,
                                 _body_bytes(release), None, {})  # fmt: skip

    def _thread(self, request: Request) -> Response:
        """PATCH marks a thread read (205, no body) when it is one of the recorded notifications; else 404."""
        if not request.headers.get("Authorization"):
            return github_error(401, "Requires authentication", "https://docs.github.com/rest/activity/notifications")
        thread = request.path.rsplit("/", 1)[1]
        if thread not in {str(item["id"]) for item in self._replies["notifications"].json()}:
            return not_found()
        if request.method == "PATCH":
            return Response(b"", status=205)
        return Response(json.dumps(next(i for i in self._replies["notifications"].json() if str(i["id"]) == thread)),
                        status=200, content_type=JSON_TYPE)  # fmt: skip

    def _search_repositories(self, request: Request) -> Response:
        if not request.args.get("q"):
            return github_error(
                422,
                "Validation Failed",
                "https://docs.github.com/v3/search",
                errors=[{"resource": "Search", "field": "q", "code": "missing"}],
            )
        return self._replay(request, "search_repositories", paged=True)

    def _readme(self, request: Request) -> Response:
        accepted = [part.split(";")[0].strip() for part in request.headers.get("Accept", "").split(",")]
        media = next((m for part in accepted if (m := _README_MEDIA.match(part))), None)
        response = self._replay(request, "readme")
        if media is None or response.status_code != 200:
            return response
        markdown = base64.b64decode(self._replies["readme"].json()["content"]).decode()
        kind = media["kind"]
        # GitHub echoes the media type asked for (see octokit-fixtures get-content, vnd.github.v3.raw).
        response.headers["Content-Type"] = f"application/vnd.github{media['v3'] or ''}.{kind}; charset=utf-8"
        response.headers["X-GitHub-Media-Type"] = f"github.v3; param={kind}"
        response.set_data((markdown if kind == "raw" else readme_html(markdown)).encode())
        return response

    def _trending_day(self, request: Request) -> Response:
        """Not github.com: `GET /web/_fake/trending-day` says which recorded day github.com/trending shows and which
        there are; `POST` with `{"day": "2020-02-28"}` switches to that one (until `clear()`)."""
        if request.method == "POST":
            day = str((request.get_json(silent=True) or {}).get("day") or request.form.get("day") or "")
            if day not in TRENDING_DAYS:
                body = {"message": f"no recorded day {day!r}", "days": sorted(TRENDING_DAYS)}
                return Response(json.dumps(body), status=400, content_type=JSON_TYPE)
            self.trending_day = day
        return Response(json.dumps({"day": self.trending_day, "days": sorted(TRENDING_DAYS)}), content_type=JSON_TYPE)

    def _trending_repositories(self, request: Request) -> Response:
        language = _path_language(request, r"/web/trending/(?P<language>[^/]+)")
        return self._html_page(TRENDING_REPOSITORIES_BY_LANGUAGE.get(language, TRENDING_DAYS[self.trending_day]))

    def _trending_developers(self, request: Request) -> Response:
        language = _path_language(request, r"/web/trending/developers/(?P<language>[^/]+)")
        return self._html_page(TRENDING_DEVELOPERS_BY_LANGUAGE.get(language, TRENDING_DEVELOPERS))

    def _html_page(self, name: str) -> Response:
        # since= and spoken_language_code= are ignored: one recorded page per language is all there is.
        if name not in self._pages:
            self._pages[name] = (self.fixtures / "trending" / name).read_bytes()
        return Response(
            self._pages[name],
            status=200,
            headers={"Content-Type": HTML_TYPE, "Cache-Control": "max-age=0, private, must-revalidate"},
        )


def _http_date(iso: str) -> str:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _epoch(http_date: str) -> float:
    try:
        return parsedate_to_datetime(http_date).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _generated_release(repo: str) -> dict[str, Any]:
    """A plausible latest release (GitHub's fields the service reads), stable per repository."""
    number = int(hashlib.sha256(repo.lower().encode()).hexdigest()[:8], 16)
    owner = repo.split("/", 1)[0]
    return {
        "id": 1_000_000 + number % 1_000_000,
        "tag_name": "v1.0.0",
        "name": "v1.0.0",
        "draft": False,
        "prerelease": False,
        "html_url": f"https://github.com/{repo}/releases/tag/v1.0.0",
        "published_at": "2026-11-20T08:00:00Z",
        "author": {"login": owner},
    }


def _path_language(request: Request, pattern: str) -> str:
    match = re.match(pattern, request.path)
    return match["language"].lower() if match else ""


def _requested_page(request: Request) -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _page_of(url: str) -> int:
    return int(dict(parse_qsl(urlsplit(url).query)).get("page", "1"))


def _empty_page(body: bytes) -> bytes:
    # Past the last page GitHub answers 200 with nothing in it, rather than 404.
    data = json.loads(body)
    if isinstance(data, dict) and "items" in data:
        return _body_bytes({**data, "items": []})
    return b"[]" if isinstance(data, list) else body


def _etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    if not if_none_match or not etag:
        return False

    def weak(tag: str) -> str:
        return tag.strip().removeprefix("W/")

    return if_none_match.strip() == "*" or weak(etag) in {weak(tag) for tag in if_none_match.split(",")}
