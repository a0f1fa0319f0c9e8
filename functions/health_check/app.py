"""GET /health-check: liveness and the deployed version."""

from __future__ import annotations

from wegit import __version__
from wegit.api import Router, entry_point

app = Router()


@app.get("/health-check")
def health_check() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


lambda_handler = entry_point(app)
