"""Request parameter types of the endpoints: GitHub's naming rules, checked before any upstream call.

Declarations only: the functions name them in annotations under TYPE_CHECKING, `make openapi` resolves them into
the OpenAPI document and the compiled contract (wegit/contract.json) that wegit.api checks requests against. A
`description` doubles as the 400's words for a value of the wrong form ("not a valid GitHub login")."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

# GitHub logins: letters, digits and single hyphens, not at either end, at most 39 characters.
LOGIN_PATTERN = r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"
# Repository names: letters, digits, '.', '-', '_', but never "." or ".." (path traversal); no lookahead, which
# pydantic's regex engine lacks.
REPO_PATTERN = r"^([A-Za-z0-9_-][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*|\.\.[A-Za-z0-9._-]+)$"
# Search text: anything with a character that is not a space.
NOT_BLANK = r"\S"

MAX_EVENT_PAGE = 10  # GitHub serves at most 300 events, 30 a page
MAX_SEARCH_PAGE = 34  # GitHub serves at most 1000 search results, 30 a page

LoginQuery = Annotated[str | None, Query(pattern=LOGIN_PATTERN, max_length=39, description="GitHub login")]
LoginPath = Annotated[str, Path(pattern=LOGIN_PATTERN, max_length=39, description="GitHub login")]
Owner = Annotated[str, Query(pattern=LOGIN_PATTERN, max_length=39, description="owner login")]
RepoName = Annotated[str, Query(pattern=REPO_PATTERN, max_length=100, description="repository name")]
Authorization = Annotated[
    str | None, Header(description="GitHub token: raw, `token X` or `Bearer X`", include_in_schema=True)
]
EventsPage = Annotated[int, Query(ge=1, le=MAX_EVENT_PAGE, description=f"page, 1..{MAX_EVENT_PAGE}")]
SearchPage = Annotated[int, Query(ge=1, le=MAX_SEARCH_PAGE, description=f"page, 1..{MAX_SEARCH_PAGE}")]
SearchText = Annotated[str, Query(min_length=1, max_length=256, pattern=NOT_BLANK, description="search text")]
# Checked in the service, not here: a malformed token is a bad credential (401), as the client expects.
TokenQuery = Annotated[str | None, Query(max_length=255, description="a GitHub token to log in with")]

Since = Annotated[Literal["daily", "weekly", "monthly"] | None, Query(description="the period; daily by default")]
LanguageQuery = Annotated[
    str | None, Query(max_length=64, description="language name or slug, any case; empty or 'all' for every language")
]
AllLanguages = Annotated[bool, Query(description="every language github.com offers, with its slug")]
ReadmeHtml = Annotated[bool, Query(description="also return the README as sanitized HTML")]
AllNotifications = Annotated[bool, Query(description="read ones too, not only unread")]
Participating = Annotated[bool, Query(description="only where you are involved")]
SubscriptionId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{16}$", description="a subscription id from GET /subscriptions")
]
ThreadId = Annotated[str, Path(pattern=r"^[0-9]{1,20}$", description="a notification thread id")]
SpokenLanguage = Annotated[str | None, Query(max_length=2, description="ISO 639-1 spoken language code")]
SessionAuthorization = Annotated[
    str | None, Header(description="`Bearer <session token>` from POST /sessions", include_in_schema=True)
]

# Trending history (wegit/trending/history): a day in UTC, checked further by the service (a real date, not in the
# future, not before the history began).
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MAX_HISTORY_PAGE = 100
HistoryDate = Annotated[str, Query(pattern=DAY_PATTERN, max_length=10, description="a date YYYY-MM-DD (UTC)")]
HistoryDateOptional = Annotated[
    str | None,
    Query(pattern=DAY_PATTERN, max_length=10, description="a date YYYY-MM-DD (UTC); the newest day by default"),
]
HistoryPage = Annotated[int, Query(ge=1, le=MAX_HISTORY_PAGE, description=f"page, 1..{MAX_HISTORY_PAGE}")]
ShareId = Annotated[str, Path(pattern=r"^[a-z2-7]{16}$", description="a share id from POST /share")]
GitHubUrl = Annotated[
    str, Query(min_length=1, max_length=2048, description="a github.com URL: a repository, a user, a trending page")
]
