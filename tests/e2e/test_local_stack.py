"""The local stack behaves like API Gateway, Lambda and `sam local`: CORS, unknown routes, scaling out,
the function timeout, the 6 MB response limit, env-vars files, parameter overrides, no network, data folders,
`python -m local invoke`'s edges. Test-only functions live in tests/e2e/local_stack/ (never deployed)."""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from local.__main__ import main, parse_parameter_overrides
from local.dynamodb import DynamoDBLocal, free_port
from local.runtime import InvocationError, Runtime
from local.server import LocalApi
from local.stack import Stack, data_dir
from local.template import ROOT, load, read

LIMITS = Path(__file__).with_name("local_stack") / "template.yaml"
FILE_API_URL = "http://127.0.0.1:9/from-env-vars-file"
PARAMETERS = {"Greeting": "bonjour"}


class Served:
    def __init__(self, api: LocalApi, lines: list[str]) -> None:
        self.api = api
        self.url = api.url
        self.lines = lines

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def limits(
    dynamodb: DynamoDBLocal, github_server: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The test-only template served with an env-vars file and a parameter override, 20 workers a function."""
    env_vars = tmp_path_factory.mktemp("env") / "env.json"
    env_vars.write_text(
        json.dumps({"Parameters": {"GITHUB_API_URL": FILE_API_URL}, "EchoFunction": {"GREETING": "from the file"}})
    )
    stack = Stack(dynamodb_endpoint=dynamodb.endpoint, github_fake=github_server, persist=False, template=LIMITS,
                  parameters=PARAMETERS, env_vars=env_vars, concurrency=20)  # fmt: skip
    lines: list[str] = []
    with stack:
        assert stack.runtime is not None
        api = LocalApi(stack.template.functions, stack.runtime, 0, log=lines.append, cors=stack.template.cors)
        api.start()
        yield Served(api, lines)
        api.stop()


# -- API Gateway -------------------------------------------------------------------------------------------


def _configured(template: Path) -> dict[str, object]:
    apis = [r for r in read(template)["Resources"].values() if r["Type"] == "AWS::Serverless::HttpApi"]
    config: dict[str, object] = apis[0]["Properties"]["CorsConfiguration"]
    return config


def _cors(response: requests.Response) -> dict[str, str]:
    return {key.lower(): value for key, value in response.headers.items() if key.lower().startswith("access-control-")}


def test_preflight_is_answered_from_the_template_cors_configuration(api: LocalApi) -> None:
    config = _configured(ROOT / "template.yaml")
    for path in ("/trending-repositories", "/no-such-route"):  # API Gateway answers before routing
        response = requests.options(f"{api.url}{path}", timeout=10, headers={
            "Origin": "https://servicewechat.com", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})  # fmt: skip
        assert response.status_code == 204
        assert response.content == b""
        assert _cors(response) == {
            "access-control-allow-origin": "*",
            "access-control-allow-methods": ",".join(config["AllowMethods"]),  # type: ignore[arg-type]
            "access-control-allow-headers": ",".join(h.lower() for h in config["AllowHeaders"]),  # type: ignore[attr-defined]
            "access-control-max-age": str(config["MaxAge"]),
        }


def test_preflight_from_an_origin_or_method_not_allowed_gets_no_cors_headers(limits: Served) -> None:
    def preflight(origin: str, method: str = "GET", headers: str = "") -> requests.Response:
        asked = {"Origin": origin, "Access-Control-Request-Method": method}
        return requests.options(f"{limits.url}/echo", headers={**asked, "Access-Control-Request-Headers": headers},
                                timeout=10)  # fmt: skip

    allowed = preflight("https://app.example.com", headers="Content-Type")
    assert allowed.status_code == 204
    assert _cors(allowed)["access-control-allow-origin"] == "https://app.example.com"  # the origin, not *
    assert _cors(allowed)["access-control-max-age"] == "300"
    for refused in (preflight("https://elsewhere.test"), preflight("https://servicewechat.com", "DELETE"),
                    preflight("https://servicewechat.com", headers="x-secret")):  # fmt: skip
        assert refused.status_code == 204
        assert _cors(refused) == {}


def test_every_answer_to_an_allowed_origin_has_the_cors_headers(limits: Served) -> None:
    origin = {"Origin": "https://servicewechat.com"}
    echoed = limits.get("/echo", headers=origin)
    missing = limits.get("/nowhere", headers=origin)
    for response in (echoed, missing):
        assert _cors(response) == {
            "access-control-allow-origin": "https://servicewechat.com",  # the function's own header is ignored
            "access-control-expose-headers": "Max-Page,Retry-After",
        }
    assert _cors(limits.get("/echo")) == {}  # no Origin, no CORS


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PROPFIND", "OPTIONS"])
def test_unknown_routes_and_methods_are_api_gateway_404s(limits: Served, method: str) -> None:
    path = "/nowhere" if method == "GET" else "/echo"
    response = requests.request(method, f"{limits.url}{path}", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not Found"}


def test_a_client_that_hangs_up_is_a_log_line(limits: Served, capfd: pytest.CaptureFixture[str]) -> None:
    with socket.create_connection(("127.0.0.1", limits.api.httpd.server_address[1])) as sock:
        sock.sendall(b"GET /sleep?seconds=0.3 HTTP/1.1\r\nHost: local\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    deadline = time.monotonic() + 10
    while not any(line.startswith("GET /sleep") for line in limits.lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = [line for line in limits.lines if line.startswith("GET /sleep")]
    assert line.startswith("GET /sleep SleepFunction 200 ")
    assert line.endswith("(client disconnected)")
    assert "Traceback" not in capfd.readouterr().err


# -- Lambda ------------------------------------------------------------------------------------------------


def test_concurrent_slow_requests_scale_out_and_workers_stay_warm(limits: Served) -> None:
    def slow(_: int) -> dict[str, float]:
        response = limits.get("/sleep", params={"seconds": "1"})
        assert response.status_code == 200
        return dict(response.json())

    rounds = []
    for _ in range(2):
        started = time.monotonic()
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(slow, range(20)))
        rounds.append((time.monotonic() - started, {answer["pid"] for answer in answers}))
    (first, cold), (second, warm) = rounds
    # One at a time would take 20 s. Cold, 20 processes start at once (seconds on a busy 2-core machine);
    # warm, the 20 requests take about one request's time.
    assert first < 12.0, f"20 cold requests of 1 s took {first:.1f} s: they queued"
    assert second < 2.5, f"20 warm requests of 1 s took {second:.1f} s"
    assert len(cold) == 20
    assert warm <= cold  # reused, not started again


def test_a_function_past_its_timeout_gets_api_gateways_answer(limits: Served) -> None:
    started = time.monotonic()
    response = limits.get("/sleep", params={"seconds": "10"})
    assert 2.0 <= time.monotonic() - started < 5.0  # Timeout: 2 in the test template
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert any("SleepFunction: Task timed out after 2.00 seconds" in line for line in limits.lines)
    assert limits.get("/sleep", params={"seconds": "0"}).status_code == 200  # a new worker takes over


def test_a_response_over_6_mb_gets_api_gateways_answer(limits: Served) -> None:
    response = limits.get("/big")  # 7 MB
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert any("BigFunction: Response payload size" in line and "6291556 bytes" in line for line in limits.lines)
    assert len(limits.get("/big", params={"count": str(5 * 1024 * 1024)}).content) == 5 * 1024 * 1024
    # Counted in UTF-8 bytes, unescaped, as python3.13 answers: 1.9 M of 中 is 5.7 MB (11.4 MB escaped).
    assert len(limits.get("/big", params={"char": "中", "count": "1900000"}).content) == 5_700_000
    assert limits.get("/big", params={"char": "中", "count": "2200000"}).status_code == 500  # 6.6 MB


def test_a_crashed_function_gets_api_gateways_answer(limits: Served) -> None:
    response = limits.get("/crash")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert any("CrashFunction: Runtime exited with error: exit status 3" in line for line in limits.lines)


# -- sam local's conventions -------------------------------------------------------------------------------


def test_env_vars_file_wins_for_its_function_only(limits: Served) -> None:
    names = {"names": "GREETING,GITHUB_API_URL"}
    echo = limits.get("/echo", params=names).json()["environment"]
    other = limits.get("/other-echo", params=names).json()["environment"]
    assert echo == {"GREETING": "from the file", "GITHUB_API_URL": FILE_API_URL}  # over the GitHub fake's URL
    assert other == {"GREETING": PARAMETERS["Greeting"], "GITHUB_API_URL": FILE_API_URL}  # the override


def test_parameter_overrides_in_both_of_sams_spellings() -> None:
    assert parse_parameter_overrides("LogLevel=DEBUG TrendingMaxAgeSeconds=60") == {
        "LogLevel": "DEBUG", "TrendingMaxAgeSeconds": "60"}  # fmt: skip
    long_form = "ParameterKey=LogLevel,ParameterValue=DEBUG ParameterKey=Stage,ParameterValue=prod"
    assert parse_parameter_overrides(long_form) == {"LogLevel": "DEBUG", "Stage": "prod"}


def test_without_network_a_github_call_says_how_to_work_offline(
    dynamodb: DynamoDBLocal, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps({"Parameters": {"GITHUB_API_URL": f"http://127.0.0.1:{free_port()}"}}))
    with Stack(dynamodb_endpoint=dynamodb.endpoint, persist=False, env_vars=env_vars) as stack:
        assert stack.runtime is not None
        assert stack.github_unreachable.wait(5)
        api = LocalApi(stack.template.functions, stack.runtime, 0, log=lambda line: None,
                       upstream_hint=stack.upstream_hint).start()  # fmt: skip
        try:
            response = requests.get(f"{api.url}/developers", params={"name": "octocat"}, timeout=30)
        finally:
            api.stop()
    assert response.status_code == 502
    assert "OFFLINE=1 make dev" in response.json()["message"]
    assert capfd.readouterr().err.count("GitHub-backed calls will answer 502") == 1


# -- data folders ------------------------------------------------------------------------------------------


def test_offline_and_online_data_are_kept_apart_and_reset_wipes_the_one_in_use(tmp_path: Path) -> None:
    online, offline = data_dir(tmp_path, offline=False), data_dir(tmp_path, offline=True)
    assert online != offline
    for folder in (online, offline):
        folder.mkdir()
        (folder / "shared-local-instance.db").write_text("kept")
    Stack(offline=True, reset=True, state_dir=tmp_path).data_folder()
    assert not offline.exists()
    assert (online / "shared-local-instance.db").read_text() == "kept"
    assert Stack(offline=False, state_dir=tmp_path).data_folder() == online
    assert (online / "shared-local-instance.db").exists()  # no reset: nothing wiped


# -- python -m local invoke --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["invoke", "HealthCheckFunction", "-e", "events/none.json"], "error: no event file events/none.json"),
        (["invoke", "HealthCheckFunction", "-e", "pyproject.toml"], "error: event pyproject.toml is not JSON"),
        (["invoke", "NoSuchFunction"], "error: no function 'NoSuchFunction' in template.yaml; known: "),
        (["invoke", "HealthCheckFunction", "--env-vars", "nowhere.json"], "error: no env-vars file nowhere.json"),
        (["invoke", "HealthCheckFunction", "--parameter-overrides", "Nope=1"], "error: no parameter Nope"),
    ],
)
def test_invoke_errors_are_one_line(
    argv: list[str], error: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    try:
        assert main(argv) != 0
        message = capsys.readouterr().err
    except SystemExit as exited:
        message = str(exited.code)
    assert message.startswith(error)
    assert "\n" not in message.strip()


def test_invoke_sends_an_empty_event_or_reads_stdin(
    dynamodb: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    base = ["invoke", "EchoFunction", "-t", str(LIMITS), "--dynamodb-endpoint", dynamodb.endpoint]
    assert main(base) == 0
    assert json.loads(json.loads(capsys.readouterr().out)["body"])["event"] == {}
    monkeypatch.setattr("sys.stdin", io.StringIO('{"from": "stdin"}'))
    assert main([*base, "-e", "-"]) == 0
    assert json.loads(json.loads(capsys.readouterr().out)["body"])["event"] == {"from": "stdin"}
    crash = ["invoke", "CrashFunction", "-t", str(LIMITS), "--dynamodb-endpoint", dynamodb.endpoint]
    assert main(crash) == 1  # the function's error as Lambda reports it, not a traceback
    assert json.loads(capsys.readouterr().out) == {
        "errorMessage": "CrashFunction: Runtime exited with error: exit status 3",
        "errorType": "Runtime.ExitError",
    }


def test_stopping_does_not_wait_for_a_busy_worker() -> None:
    """Ctrl-C while a request runs: every worker is gone within the grace, not after the request."""
    runtime = Runtime(load(LIMITS).functions, {})
    errors: list[str] = []

    def slow() -> None:
        try:
            runtime.invoke("SleepFunction", {"queryStringParameters": {"seconds": "1.8"}})
        except InvocationError as exc:
            errors.append(str(exc))

    busy = threading.Thread(target=slow)
    busy.start()
    time.sleep(0.5)
    [worker] = runtime.pools["SleepFunction"].workers
    started = time.monotonic()
    runtime.stop(grace=0.3)
    assert time.monotonic() - started < 1.0
    assert not worker.alive()
    busy.join(5)
    assert errors == ["SleepFunction: Runtime exited with error: exit status -9"]
