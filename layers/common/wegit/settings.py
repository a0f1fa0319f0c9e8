"""Settings read once per execution environment from the environment, validated, failing fast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from wegit import __version__
from wegit.environment import GITHUB_API_URL, SettingsError, github_api_url, number, url

__all__ = ["Settings", "SettingsError", "get_settings"]


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    github_api_url: str = GITHUB_API_URL
    github_web_url: str = "https://github.com"
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    total_timeout: float = 8.0  # one upstream call, retries and body included; the invocation's deadline too
    user_agent: str = f"WeGit-API/{__version__}"
    github_token_parameter: str = ""  # SSM name of the service token; the token itself is never a setting
    trending_table: str = "TrendingTable"
    trending_max_age: int = 7200  # seconds a snapshot is fresh
    trending_pace: float = 1.0  # seconds between github.com pages during a refresh
    trending_history_table: str = "TrendingHistoryTable"
    # Locally only (the local stack sets it; no template does): a refresh takes its day from the scheduled event's
    # `time`, so a demo or a test can record two days in a row. Deployed, the day is always the Lambda clock's.
    trending_date_from_event: bool = False
    rate_limit_table: str = ""  # the service tokens' rate limits shared by every container; "" = per container
    accounts_table: str = "AccountsTable"
    notifications_table: str = "NotificationsTable"
    wechat_templates: tuple[str, ...] = ()  # subscribe-message template ids the mini-program asks users for
    github_token_key: str = ""  # KMS key id or alias that encrypts bound GitHub tokens
    wechat_api_url: str = "https://api.weixin.qq.com"
    wechat_app_id: str = ""
    wechat_secret_parameter: str = ""  # SSM SecureString name of the mini-program's AppSecret
    # notifications pipeline
    wechat_page: str = "pages/notifications/index"  # the mini-program page a subscribe message opens
    notifications_queue_url: str = ""  # the SQS queue between the dispatcher and the worker
    notifications_window: int = 300  # seconds between two polls of one subscription (the schedule's rate)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = os.environ.get("STAGE", "local")
    return Settings(
        stage=stage,
        github_api_url=github_api_url(),
        github_web_url=url("GITHUB_WEB_URL", "https://github.com"),
        connect_timeout=number("HTTP_CONNECT_TIMEOUT", 3.05, minimum=0.01),
        read_timeout=number("HTTP_READ_TIMEOUT", 10.0, minimum=0.01),
        total_timeout=number("HTTP_TOTAL_TIMEOUT", 8.0, minimum=0.1),
        user_agent=f"WeGit-API/{__version__} ({stage}; +https://github.com/wegit)",
        github_token_parameter=os.environ.get("GITHUB_TOKEN_PARAMETER", ""),
        trending_table=os.environ.get("TRENDING_TABLE", "TrendingTable"),
        trending_max_age=int(number("TRENDING_MAX_AGE", 7200, minimum=60)),
        trending_pace=number("TRENDING_PACE_SECONDS", 1.0),
        trending_history_table=os.environ.get("TRENDING_HISTORY_TABLE", "TrendingHistoryTable"),
        trending_date_from_event=os.environ.get("TRENDING_DATE_FROM_EVENT", "") == "1",
        rate_limit_table=os.environ.get("RATE_LIMIT_TABLE", ""),
        accounts_table=os.environ.get("ACCOUNTS_TABLE", "AccountsTable"),
        notifications_table=os.environ.get("NOTIFICATIONS_TABLE", "NotificationsTable"),
        wechat_templates=tuple(t.strip() for t in os.environ.get("WECHAT_TEMPLATE_IDS", "").split(",") if t.strip()),
        github_token_key=os.environ.get("GITHUB_TOKEN_KEY", ""),
        wechat_api_url=url("WECHAT_API_URL", "https://api.weixin.qq.com"),
        wechat_app_id=os.environ.get("WECHAT_APP_ID", ""),
        wechat_secret_parameter=os.environ.get("WECHAT_SECRET_PARAMETER", ""),
        wechat_page=os.environ.get("WECHAT_PAGE", "pages/notifications/index"),
        notifications_queue_url=os.environ.get("NOTIFICATIONS_QUEUE_URL", ""),
        notifications_window=int(number("NOTIFICATIONS_WINDOW_SECONDS", 300, minimum=60)),
    )
