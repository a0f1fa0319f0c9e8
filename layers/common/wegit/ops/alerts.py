"""CloudWatch alarm notifications (through SNS) as one short Slack message each. Alarms, not exceptions, are
what is posted: an alarm changes state once for a whole incident, so there is no alert storm.

The webhook URL is a secret (whoever has it can post to the channel): an SSM SecureString read at run time,
never a setting or a log field; the post goes without the shared session's log hook, which would log its path."""

from __future__ import annotations

import json
import os
from typing import Any

import requests

from wegit.observability import logger

ICONS = {"ALARM": ":rotating_light:", "OK": ":white_check_mark:", "INSUFFICIENT_DATA": ":grey_question:"}
MAX_REASON = 300


class SlackUnreachable(RuntimeError):
    """The webhook could not be posted to (refused, reset, timed out); says how, never where."""


def alarm_text(message: str) -> str:
    """One line per alarm state change: state, alarm name, why, and where its runbook entry is."""
    try:
        alarm: dict[str, Any] = json.loads(message)
    except ValueError:
        return message[:MAX_REASON]  # not an alarm: pass it on, short
    if not isinstance(alarm, dict) or "AlarmName" not in alarm:
        return message[:MAX_REASON]
    state = str(alarm.get("NewStateValue", "?"))
    name = str(alarm["AlarmName"])
    reason = str(alarm.get("NewStateReason", ""))
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    logical = next((part for part in name.split("-") if part.endswith("Alarm")), name)  # stack-LogicalId-RANDOM
    return (
        f"{ICONS.get(state, '')} *{name}* is {state} (was {alarm.get('OldStateValue', '?')}) "
        f"in {alarm.get('Region', '?')}: {reason}\nRunbook: docs/runbook.md, {logical}"
    ).strip()


def webhook_url() -> str | None:
    name = os.environ.get("SLACK_WEBHOOK_PARAMETER", "")
    if not name:
        return None
    from wegit.parameters import secure_parameter

    try:
        return secure_parameter(name).strip() or None
    except Exception as exc:  # ParameterNotFound: no channel configured yet
        logger.warning("no Slack webhook to post to", extra={"parameter": name, "error": type(exc).__name__})
        return None


def post(texts: list[str]) -> int:
    """Post each text to the Slack webhook; how many were posted. A failed post raises (SNS retries)."""
    url = webhook_url()
    if url is None:
        for text in texts:
            logger.warning("alarm not posted (no webhook)", extra={"text": text})
        return 0
    for text in texts:
        try:
            response = requests.post(url, json={"text": text}, timeout=(3.05, 5))
        except requests.RequestException as exc:
            # requests' messages quote the URL (urllib3: "Max retries exceeded with url: /services/..."): neither
            # the message nor the chained exception may reach the log or Lambda's error report, only the kind.
            kind = type(exc).__name__
            logger.error("Slack could not be reached", extra={"error": kind})
            raise SlackUnreachable(f"Slack could not be reached ({kind})") from None
        if response.status_code >= 300:
            raise RuntimeError(f"Slack refused the alert (status {response.status_code})")
    logger.info("alarms posted to Slack", extra={"count": len(texts)})
    return len(texts)
