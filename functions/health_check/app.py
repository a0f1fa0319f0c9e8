"""GET /health-check: liveness and the deployed version."""

from __future__ import annotations

from wegit import __version__
from wegit.api import entry_point, make_resolver

app = make_resolver(validation=False)  # no parameters: nothing to validate


@app.get("/health-check")
def health_check() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


lambda_handler = entry_point(app)
