"""No known secret, nor any 8-character piece of one, in anything the e2e suite captured: the API's answers
(status, headers, bodies), its log lines, and everything the functions printed (logs and EMF metrics).

It reads what the suite captured, so it runs after the e2e tests (tests/smoke is collected last)."""

from __future__ import annotations

from tests.conftest import SECRETS

PIECE = 8


def pieces(secret: str) -> set[str]:
    return {secret[start : start + PIECE] for start in range(len(secret) - PIECE + 1)}


def leaks(text: str) -> list[str]:
    return sorted({piece for secret in SECRETS for piece in pieces(secret) if piece in text})


def test_a_piece_of_a_secret_is_found():
    assert leaks(f"token={SECRETS[1][10:18]}!") == [SECRETS[1][10:18]]
    assert leaks("nothing here") == []


def test_no_piece_of_a_secret_in_answers_logs_or_metrics(exchanges, function_log):
    assert len(exchanges) > 300, "run it with the e2e suite: it checks what the suite captured"
    printed = function_log.read_text()
    assert '"_aws"' in printed, "no metric was captured"
    assert '"upstream call"' in printed, "no upstream call was logged"
    assert leaks("\n".join(exchanges)) == [], "a secret reached an answer or the API's log"
    assert leaks(printed) == [], "a secret reached a function's log or a metric"
