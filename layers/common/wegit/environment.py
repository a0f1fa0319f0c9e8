"""The environment read value by value, checked, failing fast: what wegit.settings builds its Settings from.

Apart from wegit.settings because the GitHub functions read one value before anything else is imported: the
GitHub API's URL, for the connection wegit.preconnect opens while the rest of init runs (wegit.settings loads
dataclasses, ~12 ms of a cold start, which the connection need not wait for)."""

from __future__ import annotations

import os

GITHUB_API_URL = "https://api.github.com"


class SettingsError(RuntimeError):
    """A setting is missing or malformed: a deployment mistake, not a client error."""


def url(name: str, default: str) -> str:
    value = os.environ.get(name, default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def number(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def github_api_url() -> str:
    return url("GITHUB_API_URL", GITHUB_API_URL)
