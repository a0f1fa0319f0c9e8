"""No known secret, nor any 8-character piece of one, in anything the e2e suite captured: the API's answers
(status, headers, bodies), its log lines, and everything the functions printed (logs and EMF metrics).

The suite runs on several processes (pytest-xdist), so the check is not a test that could run before the others
end: every process leaves what it captured in one directory, and when the whole run is over `problems` below
reads all of it (tests/conftest.py, pytest_sessionfinish); anything it finds fails the run. The tests here check
the check."""

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


FULL_SUITE = 300  # answers: fewer means only part of the e2e suite ran, so its logs need not hold every kind


def problems(answers: str, printed: str) -> list[str]:
    """What is wrong with what the run captured: pieces of a secret, or a full run that captured too little."""
    found = []
    if answers.count("\n") + 1 > FULL_SUITE:
        if '"_aws"' not in printed:
            found.append("no metric was captured")
        if '"upstream call"' not in printed:
            found.append("no upstream call was logged")
    if pieces_found := leaks(answers):
        found.append(f"{len(pieces_found)} piece(s) of a secret reached an answer or the API's log")
    if pieces_found := leaks(printed):
        found.append(f"{len(pieces_found)} piece(s) of a secret reached a function's log or a metric")
    return found


def test_what_the_run_captured_is_checked(tmp_path):
    answers = "\n".join(f"200 {{}} answer {number}" for number in range(FULL_SUITE + 1))
    printed = '{"_aws": {}}\n{"message": "upstream call"}'
    assert problems(answers, printed) == []
    assert problems(answers, "") == ["no metric was captured", "no upstream call was logged"]
    assert problems("200 {}", "") == []  # a partial run
    leaked = problems(f'401 {{}} {{"message": "{SECRETS[0][3:12]}"}}', f"token {SECRETS[1]}")
    assert len(leaked) == 2 and all("piece(s) of a secret" in problem for problem in leaked)
    assert SECRETS[0][3:12] not in " ".join(leaked)  # the report never repeats the piece it found
