"""The main figures of `make bench` in one PNG (shown in the README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _short(name: str) -> str:
    return name.removesuffix("Function").replace("Trending", "Tr.").replace("Repositories", "Repos")


def draw(report: dict[str, Any], path: Path) -> None:  # noqa: PLR0915 - six panels, one after another
    figure, axes = plt.subplots(3, 2, figsize=(14, 14))
    rtt = report["round_trip_ms"]

    cold = {name: row for name, row in report["cold_init"].items() if name != "requests"}
    names = [_short(name) for name in cold]
    ax = axes[0][0]
    positions = range(len(cold))
    ax.barh([p + 0.2 for p in positions], [row["cpu_ms_without_bytecode"] for row in cold.values()], 0.4,
            label="without .pyc (as built before)", color="#d9a0a0")  # fmt: skip
    ax.barh([p - 0.2 for p in positions], [row["cpu_ms"] for row in cold.values()], 0.4, label="with 3.13 .pyc",
            color="#4c72b0")  # fmt: skip
    for position, row in zip(positions, cold.values(), strict=True):
        ax.text(row["cpu_ms"], position - 0.2, f" {row['ratio']}x", va="center", fontsize=8)
    ax.axvline(report["cold_init"]["requests"]["cpu_ms"], color="black", linestyle="--", label="import requests")
    ax.set_yticks(list(positions), names)
    ax.set_xlabel("CPU ms (median); label: ratio to import requests")
    ax.set_title("Cold init per function, Python 3.13")
    ax.legend(fontsize=8)

    first = report["cold_first_request"]
    ax = axes[0][1]
    labels = list(first)
    ax.barh(labels, [row["init_ms"] for row in first.values()], label="init (imports)", color="#4c72b0")
    ax.barh(labels, [row["request_ms"] for row in first.values()], left=[row["init_ms"] for row in first.values()],
            label="first request", color="#dd8452")  # fmt: skip
    ax.set_xlabel(f"ms, fresh process, new connection, {rtt:.0f} ms round trip")
    ax.set_title("Cold first request per endpoint")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8)

    warm = report["warm"]
    routes = list(warm)
    ax = axes[1][0]
    positions = range(len(routes))
    ax.barh([p - 0.3 for p in positions], [row["p50_ms"] for row in warm.values()], 0.3, label=f"p50, {rtt:.0f} ms RTT")
    ax.barh(list(positions), [row["p99_ms"] for row in warm.values()], 0.3, label=f"p99, {rtt:.0f} ms RTT")
    ax.barh([p + 0.3 for p in positions], [row["overhead_p50_ms"] for row in warm.values()], 0.3,
            label="our own overhead p50 (no RTT)")  # fmt: skip
    ax.axvline(rtt, color="black", linestyle=":", label="one round trip")
    ax.set_yticks(list(positions), routes, fontsize=8)
    ax.set_xlabel("ms")
    ax.set_title("Warm requests")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    ax.barh([p - 0.2 for p in positions], [row["upstream_requests_per_call"] for row in warm.values()], 0.4,
            label="upstream requests per call")  # fmt: skip
    ax.barh([p + 0.2 for p in positions], [row["new_connections_per_call"] for row in warm.values()], 0.4,
            label="new connections per call")  # fmt: skip
    ax.set_yticks(list(positions), routes, fontsize=8)
    ax.set_title("Upstream work per warm call")
    ax.legend(fontsize=8)

    ax = axes[2][0]
    sized = [route for route in routes if warm[route]["upstream_bytes"]]
    positions = range(len(sized))
    ax.barh([p - 0.27 for p in positions], [warm[r]["upstream_bytes"] for r in sized], 0.27, label="GitHub's raw bytes")
    ax.barh(list(positions), [warm[r]["response_bytes"] for r in sized], 0.27, label="our answer")
    ax.barh([p + 0.27 for p in positions], [warm[r]["response_bytes_gzip"] for r in sized], 0.27,
            label="our answer, gzipped")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yticks(list(positions), sized, fontsize=8)
    ax.set_xlabel("bytes (log)")
    ax.set_title("Response size against GitHub's")
    ax.legend(fontsize=8)

    cost = report["cost"]
    ax = axes[2][1]
    positions = range(len(cost["per_endpoint"]) + 1)
    labels = [*cost["per_endpoint"], "contract mix"]
    ours = [row["ours_usd_per_million"] for row in cost["per_endpoint"].values()] + [cost["ours_mix"]]
    base = [row["rest_x86_no_cache_usd_per_million"] for row in cost["per_endpoint"].values()] + [cost["baseline_mix"]]
    ax.barh([p - 0.2 for p in positions], ours, 0.4, label="HTTP API + arm64 + caches (ours)")
    ax.barh([p + 0.2 for p in positions], base, 0.4, label="REST API + x86 + no cache")
    ax.set_yticks(list(positions), labels, fontsize=8)
    ax.set_xlabel("US$ per million requests (512 MB, measured warm p50)")
    ax.set_title("Estimated cost")
    ax.legend(fontsize=8)

    figure.suptitle(f"WeGit API, make bench ({rtt:.0f} ms simulated round trip to GitHub)")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
