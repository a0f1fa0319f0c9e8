"""The whole local stack in one object: DynamoDB Local with the template's tables, the offline fakes,
and warm function workers. `serve` and `invoke` both use it; a second command attaches to a running one."""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from local.dynamodb import DynamoDBLocal, create_tables
from local.runtime import Runtime
from local.template import ROOT, Template, load

STATE_DIR = ROOT / ".local"
DATA_DIR = STATE_DIR / "dynamodb"
RUNNING = STATE_DIR / "running.json"


def say(message: str) -> None:
    print(f"[local] {message}", file=sys.stderr, flush=True)


def _alive(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 - loopback URL we wrote ourselves
    except urllib.error.HTTPError:
        return True  # DynamoDB answers a bare GET with 400: it is up
    except OSError:
        return False
    return True


class Stack:
    def __init__(
        self,
        offline: bool = False,
        reset: bool = False,
        persist: bool = True,
        dynamodb_endpoint: str | None = None,
        github_fake: Any = None,
        environment: dict[str, str] | None = None,
        function_log: Path | None = None,
        attach: bool = True,
    ) -> None:
        """`environment` is set in every function last; `function_log` takes what functions print."""
        self.offline = offline
        self.reset = reset
        self.persist = persist
        self.dynamodb_endpoint = dynamodb_endpoint
        self.template: Template = load(overrides={"Stage": "local"})
        self.dynamodb: DynamoDBLocal | None = None
        self.fakes: Any = github_fake
        self.owns_fakes = github_fake is None
        self.environment = environment or {}
        self.function_log = function_log
        self.attach = attach
        self.runtime: Runtime | None = None
        self.owns_state = False

    def start(self) -> Stack:
        wanted = self.attach and self.dynamodb_endpoint is None and not self.reset
        attached = self._attach() if wanted else None
        if attached:
            say(f"using the running stack's DynamoDB Local at {attached['dynamodb']}")
            self.dynamodb_endpoint = attached["dynamodb"]
            self.offline = self.offline or bool(attached.get("github_api"))
        if self.dynamodb_endpoint is None:
            if self.reset and DATA_DIR.exists():
                shutil.rmtree(DATA_DIR)
                say("wiped local data")
            self.dynamodb = DynamoDBLocal(data_dir=DATA_DIR if self.persist else None)
            say("starting DynamoDB Local ...")
            self.dynamodb.start()
            self.dynamodb_endpoint = self.dynamodb.endpoint
            say(f"DynamoDB Local on {self.dynamodb_endpoint}")
        client = DynamoDBLocal.client_for(self.dynamodb_endpoint)
        created = create_tables(client, self.template.tables, self.template.table_names())
        say(f"tables: {', '.join(self.template.table_names().values())} (created now: {', '.join(created) or 'none'})")
        # Locally the service token comes from GITHUB_TOKEN, never from SSM.
        overrides = {"AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_endpoint, "GITHUB_TOKEN_PARAMETER": ""}
        if attached and attached.get("github_api"):
            overrides.update(GITHUB_API_URL=attached["github_api"], GITHUB_WEB_URL=attached["github_web"])
        elif self.fakes is not None:
            overrides.update(GITHUB_API_URL=self.fakes.api_url, GITHUB_WEB_URL=self.fakes.web_url)
        elif self.offline:
            from local.fakes.github import GitHubFake  # dev-only dependency, loaded only when asked for

            self.fakes = GitHubFake().start()
            overrides.update(GITHUB_API_URL=self.fakes.api_url, GITHUB_WEB_URL=self.fakes.web_url)
            say(f"OFFLINE: GitHub answered from fixtures at {self.fakes.api_url}")
        if "GITHUB_API_URL" in overrides:
            overrides["TRENDING_PACE_SECONDS"] = "0"  # politeness is owed to github.com, not to a local fake
        elif os.environ.get("GITHUB_TOKEN"):
            overrides["GITHUB_TOKEN"] = os.environ["GITHUB_TOKEN"]  # the real GitHub only, never a fake
        overrides.update(self.environment)
        self.runtime = Runtime(self.template.functions, overrides, self.function_log)
        return self

    def _attach(self) -> dict[str, str] | None:
        if not RUNNING.exists():
            return None
        state: dict[str, str] = json.loads(RUNNING.read_text())
        return state if _alive(state["dynamodb"]) else None

    def publish(self, api_url: str) -> None:
        """Let `python -m local invoke` in another shell use this stack's DynamoDB and fakes."""
        STATE_DIR.mkdir(exist_ok=True)
        state = {"dynamodb": self.dynamodb_endpoint, "api": api_url}
        if self.fakes is not None:
            state.update(github_api=self.fakes.api_url, github_web=self.fakes.web_url)
        RUNNING.write_text(json.dumps(state))
        self.owns_state = True

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()
        if self.fakes is not None and self.owns_fakes:
            self.fakes.stop()
        if self.dynamodb is not None:
            self.dynamodb.stop()
        if self.owns_state:
            RUNNING.unlink(missing_ok=True)

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
