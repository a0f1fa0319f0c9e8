"""The connection opened during init: handed to the session's pool, used by the first request, never in the way."""

from __future__ import annotations

import socket
import time

import pytest

from local.fakes.latency import LatencyProxy
from wegit import preconnect
from wegit.http_session import get_session


@pytest.fixture
def lambda_environment(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "test")
    get_session.cache_clear()
    yield
    get_session.cache_clear()
    preconnect._pending = None


def connections(proxy: LatencyProxy, expected: int) -> int:
    """The proxy's count once it reaches `expected` (its accept runs on its own loop, a moment after connect)."""
    deadline = time.monotonic() + 2
    while proxy.connections < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return proxy.connections


@pytest.fixture
def proxy(github):
    host, port = github.server.host, github.server.port
    with LatencyProxy(host, port, round_trip=0.05) as latency:
        yield latency


def test_the_first_request_uses_the_connection_opened_during_init(lambda_environment, proxy):
    preconnect.start(proxy.url)
    time.sleep(0.2)  # init goes on meanwhile; the handshake (two round trips) is over
    assert preconnect.hand_over() is True
    response = get_session().get(f"{proxy.url}/api/users/octocat")
    assert response.status_code == 200
    assert connections(proxy, 1) == 1  # no second connection: the request went over the opened one


def test_nothing_opened_nothing_handed_over_and_the_request_still_works(lambda_environment, github):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    preconnect.start(dead)
    assert preconnect.hand_over() is False
    assert preconnect.hand_over() is False  # once only
    assert get_session().get(f"{github.api_url}/users/octocat").status_code == 200


def test_off_outside_a_lambda_environment(monkeypatch, proxy):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    preconnect.start(proxy.url)
    assert preconnect.hand_over() is False
    assert connections(proxy, 0) == 0


def test_after_a_snapstart_restore_clients_are_new_and_the_connection_opens_again(lambda_environment, proxy):
    from wegit import dynamodb

    preconnect.start(proxy.url)
    assert preconnect.hand_over() is True
    session, client = get_session(), dynamodb.client()
    preconnect._before_snapshot()
    preconnect._after_restore()  # what the runtime's register_after_restore hook runs
    assert get_session() is not session
    assert dynamodb.client() is not client
    assert preconnect.hand_over() is True  # opened again, into the new session's pool
    assert connections(proxy, 2) == 2


def test_a_function_that_asks_twice_at_once_gets_two_connections(lambda_environment, proxy):
    preconnect.start(proxy.url, connections=2)
    time.sleep(0.2)
    assert preconnect.hand_over() is True
    session = get_session()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: session.get(f"{proxy.url}/api/users/octocat"), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert connections(proxy, 2) == 2  # both went over the opened ones


def test_the_connection_opens_before_urllib3_is_imported(lambda_environment, proxy):
    import subprocess
    import sys

    from local.template import LAYER_DIR

    probe = (
        "import sys, time; from wegit import preconnect; preconnect.start(sys.argv[1]); "
        "[t.join(5) for t in preconnect._pending[1]]; "
        "print(len(preconnect._pending[2]), 'urllib3' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, proxy.url],
        env={"PYTHONPATH": str(LAYER_DIR), "AWS_LAMBDA_FUNCTION_NAME": "probe", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["1", "False"]  # opened with the standard library alone


# What the connection must not wait for: each loads in a few ms of init (dataclasses ~12, socket ~5-10, typing ~4).
HEAVY = {"dataclasses", "socket", "selectors", "enum", "typing", "urllib.parse", "wegit.settings", "requests"}


@pytest.mark.parametrize("module", ["wegit.github.preconnect", "wegit.github.preconnect_readme"])
def test_the_connection_is_asked_for_before_anything_heavy_is_imported(module):
    import json
    import subprocess
    import sys

    from local.template import LAYER_DIR

    probe = (
        "import json, sys; before = set(sys.modules); import wegit.preconnect as p; "
        "p.start = lambda url, connections=1: print(json.dumps([url, sorted(set(sys.modules) - before)])); "
        f"import {module}"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(LAYER_DIR)!r}); {probe}"],
        env={"GITHUB_API_URL": "https://github.example/api/", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    url, loaded = json.loads(done.stdout)
    assert url == "https://github.example/api"  # the setting as wegit.settings reads it
    assert not HEAVY & set(loaded), f"loaded before the connection was asked for: {sorted(HEAVY & set(loaded))}"


def test_an_address_is_read_from_a_url():
    assert preconnect._address("https://api.github.com") == (True, "api.github.com", 443)
    assert preconnect._address("http://user:pw@127.0.0.1:8080/api?x=1") == (False, "127.0.0.1", 8080)
    assert preconnect._address("HTTPS://[::1]:8443/api") == (True, "::1", 8443)
    assert preconnect._address("http://[::1]/") == (False, "::1", 80)


@pytest.fixture
def tls_server(tmp_path):
    """A loopback HTTPS server with a certificate of its own (trusted through REQUESTS_CA_BUNDLE), counting the
    connections it accepts."""
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    accepted: list[object] = []

    class Answer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            accepted.append(self.client_address)
            super().setup()

        def do_GET(self):
            body = b'{"login": "octocat"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://localhost:{server.server_address[1]}", cert, accepted
    server.shutdown()


def test_over_tls_the_verified_connection_is_the_one_the_first_request_uses(
    lambda_environment, tls_server, monkeypatch
):
    import warnings

    url, cert, accepted = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    preconnect.start(url)
    time.sleep(0.3)
    assert preconnect.hand_over() is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # urllib3 warns of an unverified HTTPS connection
        assert get_session().get(f"{url}/users/octocat").json() == {"login": "octocat"}
    assert len(accepted) == 1


def test_over_tls_a_certificate_the_client_does_not_trust_is_never_handed_over(lambda_environment, tls_server):
    url, _cert, _accepted = tls_server
    preconnect.start(url)  # certifi's bundle: the server's own certificate is not in it
    time.sleep(0.3)
    assert preconnect.hand_over() is False
