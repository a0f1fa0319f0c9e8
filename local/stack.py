"""The whole local stack in one object: DynamoDB Local with the template's tables, the offline fakes,
and warm function workers. `serve` and `invoke` both use it; a second command attaches to a running one."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.aws import MotoServer, endpoint_variables, needs_moto, provision
from local.dynamodb import DynamoDBLocal, create_tables
from local.runtime import DEFAULT_CONCURRENCY, Runtime
from local.template import ROOT, TEMPLATE, Template, load

STATE_DIR = ROOT / ".local"
RUNNING = STATE_DIR / "running.json"
NO_NETWORK_HINT = "no network? `OFFLINE=1 make dev` serves GitHub from recorded data"


def say(message: str) -> None:
    print(f"[local] {message}", file=sys.stderr, flush=True)


def data_dir(state_dir: Path, offline: bool) -> Path:
    """DynamoDB Local's folder: offline runs keep theirs apart, so recorded pages never look real online."""
    return state_dir / ("dynamodb-offline" if offline else "dynamodb")


def port_setting(name: str) -> int:
    """A port from the environment (`DYNAMODB_PORT=8000`); unset or 0 means a free port."""
    value = os.environ.get(name, "").strip()
    if value and not value.isdigit():
        raise SystemExit(f"{name}={value!r} is not a port number")
    return int(value or 0)


def _alive(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 - loopback URL we wrote ourselves
    except urllib.error.HTTPError:
        return True  # DynamoDB answers a bare GET with 400: it is up
    except OSError:
        return False
    return True


def reachable(url: str, timeout: float = 2.0) -> bool:
    """Whether a TCP connection to the URL's host opens (DNS included) within `timeout` seconds."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def read_env_vars(path: Path | None) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """`sam local`'s env-vars file: {"Parameters": {every function}, "FunctionLogicalId": {that one}}."""
    if path is None:
        return {}, {}
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise SystemExit(f"error: no env-vars file {path}") from None
    except ValueError as exc:
        raise SystemExit(f"error: env-vars file {path} is not JSON: {exc}") from None
    if not isinstance(document, dict) or not all(isinstance(value, dict) for value in document.values()):
        raise SystemExit(f'error: env-vars file {path} must be {{"Parameters": {{...}}, "FunctionName": {{...}}}}')
    everyone = {key: str(value) for key, value in document.pop("Parameters", {}).items()}
    return everyone, {name: {key: str(value) for key, value in values.items()} for name, values in document.items()}


class Stack:
    def __init__(
        self,
        offline: bool = False,
        reset: bool = False,
        persist: bool = True,
        dynamodb_endpoint: str | None = None,
        github_fake: Any = None,
        wechat_fake: Any = None,
        aws_endpoint: str | None = None,
        environment: dict[str, str] | None = None,
        function_log: Path | None = None,
        attach: bool = True,
        template: Path = TEMPLATE,
        parameters: dict[str, str] | None = None,
        env_vars: Path | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        state_dir: Path = STATE_DIR,
        deliver_queues: bool = False,
        schedules: bool = False,
    ) -> None:
        """`environment` is set in every function after the stack's own settings; the env-vars file's values
        come last, as in `sam local`. `parameters` override the template's; `function_log` takes what
        functions print."""
        self.offline = offline
        self.reset = reset
        self.persist = persist
        self.dynamodb_endpoint = dynamodb_endpoint
        self.template: Template = load(template, overrides={"Stage": "local", **(parameters or {})})
        self.env_vars = read_env_vars(env_vars)
        unknown = sorted(set(self.env_vars[1]) - set(self.template.functions))
        if unknown:
            raise SystemExit(f"error: env-vars file names no function of {template.name}: {', '.join(unknown)}")
        self.dynamodb: DynamoDBLocal | None = None
        self.fakes: Any = github_fake
        self.owns_fakes = github_fake is None
        self.wechat: Any = wechat_fake
        self.owns_wechat = wechat_fake is None
        self.aws_endpoint = aws_endpoint
        self.moto: MotoServer | None = None
        self.environment = environment or {}
        self.function_log = function_log
        self.attach = attach
        self.concurrency = concurrency
        self.state_dir = state_dir
        self.runtime: Runtime | None = None
        self.owns_state = False
        self.github_unreachable = threading.Event()
        self.deliver_queues = deliver_queues  # SQS event sources: poll the queues and invoke their functions
        self.schedules = schedules  # fire every rate() schedule of the template on its rate
        self.pollers: list[Any] = []
        self.scheduler: Any = None
        self.attached = False

    @property
    def running_file(self) -> Path:
        return self.state_dir / RUNNING.name

    def start(self) -> Stack:
        wanted = self.attach and self.dynamodb_endpoint is None and not self.reset
        attached = self._attach() if wanted else None
        self.attached = bool(attached)
        if attached:
            say(f"using the running stack's DynamoDB Local at {attached['dynamodb']}")
            self.dynamodb_endpoint = attached["dynamodb"]
            self.offline = self.offline or bool(attached.get("github_api"))
        if self.dynamodb_endpoint is None:
            self._start_dynamodb()
        assert self.dynamodb_endpoint is not None
        client = DynamoDBLocal.client_for(self.dynamodb_endpoint)
        created = create_tables(client, self.template.tables, self.template.table_names())
        say(f"tables: {', '.join(self.template.table_names().values())} (created now: {', '.join(created) or 'none'})")
        # Locally the service token comes from GITHUB_TOKEN, never from SSM.
        overrides = {"AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_endpoint, "GITHUB_TOKEN_PARAMETER": ""}
        # A refresh records the day of its scheduled event's `time` (`python -m local schedule --time`), so two
        # recorded days can be kept in a row; deployed, the day is the Lambda clock's.
        overrides["TRENDING_DATE_FROM_EVENT"] = "1"
        if attached and attached.get("github_api"):
            overrides.update(GITHUB_API_URL=attached["github_api"], GITHUB_WEB_URL=attached["github_web"])
        elif self.fakes is not None:
            overrides.update(GITHUB_API_URL=self.fakes.api_url, GITHUB_WEB_URL=self.fakes.web_url)
        elif self.offline:
            from local.fakes.github import GitHubFake  # dev-only dependency, loaded only when asked for

            self.fakes = GitHubFake().start(port_setting("GITHUB_PORT"))
            overrides.update(GITHUB_API_URL=self.fakes.api_url, GITHUB_WEB_URL=self.fakes.web_url)
            say(f"OFFLINE: GitHub answered from fixtures at {self.fakes.api_url}")
        if "GITHUB_API_URL" in overrides:
            overrides["TRENDING_PACE_SECONDS"] = "0"  # politeness is owed to github.com, not to a local fake
        elif os.environ.get("GITHUB_TOKEN"):
            overrides["GITHUB_TOKEN"] = os.environ["GITHUB_TOKEN"]  # the real GitHub only, never a fake
        overrides.update(self._aws_and_wechat(attached))
        everyone, per_function = self.env_vars
        overrides.update({**self.environment, **everyone})
        self.runtime = Runtime(self.template.functions, overrides, self.function_log, per_function, self.concurrency)
        if self.fakes is None:
            self._probe_github()
        if self.deliver_queues:
            self.start_queues()
        if self.schedules:
            from local.schedules import Scheduler

            self.scheduler = Scheduler(self.template.functions, self.runtime.invoke, say).start()
        return self

    def start_queues(self, visibility_timeout: int | None = None) -> list[Any]:
        """Deliver every SQS event source's queue (on moto) to its function, as Lambda's pollers do."""
        from local.queues import pollers_for

        if self.aws_endpoint is None or self.runtime is None or self.pollers:
            return self.pollers
        self.pollers = pollers_for(
            self.template.functions, self.aws_endpoint, self.runtime, visibility_timeout=visibility_timeout, log=say
        )
        for poller in self.pollers:
            poller.start()
            say(f"  queue {poller.source.queue:30} -> {poller.function} (batches of {poller.source.batch_size})")
        return self.pollers

    def data_folder(self) -> Path:
        """The DynamoDB data folder this stack uses (offline and online apart), wiped first with `reset`."""
        folder = data_dir(self.state_dir, self.offline)
        if self.reset and folder.exists():
            shutil.rmtree(folder)
            say(f"wiped {folder}")
        return folder

    def _start_dynamodb(self) -> None:
        folder = self.data_folder()
        self.dynamodb = DynamoDBLocal(port=port_setting("DYNAMODB_PORT"), data_dir=folder if self.persist else None)
        say("starting DynamoDB Local ...")
        self.dynamodb.start()
        self.dynamodb_endpoint = self.dynamodb.endpoint
        kept = f", data in {folder}" if self.persist else ", in memory"
        say(f"DynamoDB Local on {self.dynamodb_endpoint}{kept}")

    def _probe_github(self) -> None:
        """In the background, so startup does not wait: can the functions reach GitHub? If not, say so once."""
        assert self.runtime is not None
        urls = {pool.env.get("GITHUB_API_URL", "") for pool in self.runtime.pools.values()} - {""}

        def probe() -> None:
            down = sorted(url for url in urls if not reachable(url))
            if down:
                self.github_unreachable.set()
                say(f"{', '.join(down)} is unreachable: GitHub-backed calls will answer 502; {NO_NETWORK_HINT}")

        threading.Thread(target=probe, name="github-probe", daemon=True).start()

    def upstream_hint(self) -> str | None:
        """What the local API adds to a 502 while GitHub is unreachable."""
        return NO_NETWORK_HINT if self.github_unreachable.is_set() else None

    def _aws_and_wechat(self, attached: dict[str, str] | None) -> dict[str, str]:
        """moto for SSM/KMS (provisioned from the template) and, offline, the WeChat fake: the variables to set."""
        if attached and attached.get("aws"):
            self.aws_endpoint = attached["aws"]
        if self.aws_endpoint is None and not needs_moto(self.template):
            return {}
        if self.aws_endpoint is None:
            self.moto = MotoServer().start()
            self.aws_endpoint = self.moto.endpoint
            say(f"moto server (SSM, KMS, SQS, SNS, S3) on {self.aws_endpoint}")
        overrides = endpoint_variables(self.aws_endpoint)
        if attached and attached.get("wechat_api"):
            overrides.update(WECHAT_API_URL=attached["wechat_api"])
        elif self.wechat is None and self.offline:
            from local.fakes.wechat import WeChatFake

            self.wechat = WeChatFake().start()
            say(f"OFFLINE: WeChat answered by a fake at {self.wechat.url}")
        if self.wechat is not None:
            overrides.update(WECHAT_API_URL=self.wechat.url)
        offline_wechat = "WECHAT_API_URL" in overrides
        from local.fakes import wechat as fake

        app_id = fake.APP_ID if offline_wechat else os.environ.get("WECHAT_APP_ID", "")
        secret = fake.APP_SECRET if offline_wechat else os.environ.get("WECHAT_APP_SECRET", "")
        if app_id:
            overrides["WECHAT_APP_ID"] = app_id
        names = {spec.environment.get("WECHAT_SECRET_PARAMETER") for spec in self.template.functions.values()}
        secure = {name: secret for name in names if name and secret}
        made = provision(self.aws_endpoint, self.template, secure)
        say(f"AWS on moto: {', '.join(made) or 'nothing to create'}")
        return overrides

    def _attach(self) -> dict[str, str] | None:
        if not self.running_file.exists():
            return None
        state: dict[str, str] = json.loads(self.running_file.read_text())
        return state if _alive(state["dynamodb"]) else None

    def publish(self, api_url: str) -> None:
        """Let `python -m local invoke` in another shell use this stack's DynamoDB and fakes."""
        self.state_dir.mkdir(exist_ok=True)
        state: dict[str, Any] = {"api": api_url, "pid": os.getpid(), "offline": self.offline}
        state["dynamodb"] = self.dynamodb_endpoint
        state["data"] = str(data_dir(self.state_dir, self.offline)) if self.dynamodb and self.persist else None
        if self.fakes is not None:
            state.update(github_api=self.fakes.api_url, github_web=self.fakes.web_url)
        if self.aws_endpoint is not None:
            state.update(aws=self.aws_endpoint)
        if self.wechat is not None:
            state.update(wechat_api=self.wechat.url)
        self.running_file.write_text(json.dumps(state, indent=2))
        self.owns_state = True

    def stop_queues(self) -> None:
        for poller in self.pollers:
            poller.stop()
        self.pollers = []

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.stop_queues()
        if self.runtime is not None:
            self.runtime.stop()
        if self.fakes is not None and self.owns_fakes:
            self.fakes.stop()
        if self.wechat is not None and self.owns_wechat:
            self.wechat.stop()
        if self.moto is not None:
            self.moto.stop()
        if self.dynamodb is not None:
            self.dynamodb.stop()
        if self.owns_state:
            self.running_file.unlink(missing_ok=True)

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
