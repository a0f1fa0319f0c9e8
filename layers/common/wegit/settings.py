"""Settings read once per execution environment from the environment, validated, failing fast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from wegit import __version__


class SettingsError(RuntimeError):
    """A setting is missing or malformed: a deployment mistake, not a client error."""


def _url(name: str, default: str) -> str:
    value = os.environ.get(name, default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    stage: str
    version: str
    github_api_url: str
    github_web_url: str
    connect_timeout: float
    read_timeout: float
    user_agent: str


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = os.environ.get("STAGE", "local")
    return Settings(
        stage=stage,
        version=__version__,
        github_api_url=_url("GITHUB_API_URL", "https://api.github.com"),
        github_web_url=_url("GITHUB_WEB_URL", "https://github.com"),
        connect_timeout=_seconds("HTTP_CONNECT_TIMEOUT", 3.05),
        read_timeout=_seconds("HTTP_READ_TIMEOUT", 10.0),
        user_agent=f"WeGit-API/{__version__} ({stage}; +https://github.com/wegit)",
    )
