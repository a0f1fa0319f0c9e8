"""GET /health-check through the local API, and the local API's own behaviour."""

from __future__ import annotations

from wegit import __version__


def test_health_check(http):
    response = http.get(f"{http.base_url}/health-check")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "version": __version__}


def test_unknown_route_is_json_404(http):
    response = http.get(f"{http.base_url}/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_function_stays_warm_between_requests(http, stack):
    http.get(f"{http.base_url}/health-check")
    pool = stack.runtime.pools["HealthCheckFunction"]
    pids = {worker.process.pid for worker in pool.workers}
    for _ in range(3):  # one at a time: the warm worker serves each, no other starts
        http.get(f"{http.base_url}/health-check")
    assert {worker.process.pid for worker in pool.workers} == pids
