"""Command line of the local stack: `python -m local serve` and `python -m local invoke FUNCTION -e EVENT`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

from local import openapi
from local.server import LocalApi
from local.stack import Stack, say


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def serve(args: argparse.Namespace) -> int:
    with Stack(offline=args.offline, reset=args.reset, attach=False) as stack:
        assert stack.runtime is not None
        try:
            api = LocalApi(stack.template.functions, stack.runtime, args.port, args.host, pages=openapi.pages())
        except OSError as exc:
            raise SystemExit(f"cannot listen on {args.host}:{args.port} ({exc.strerror}): is `make dev` already "
                             f"running? Another port: PORT={args.port + 1} make dev") from None  # fmt: skip
        stack.publish(api.url)
        for route, spec in api.routes:
            say(f"  {route.method:6} {route.path:40} -> {spec.name}")
        say(f"API on {api.url}, docs on {api.url}/docs  (Ctrl-C stops it)")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        api.start()
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()
        say("stopping ...")
        api.stop()
    return 0


def invoke(args: argparse.Namespace) -> int:
    event = json.loads(Path(args.event).read_text()) if args.event else {}
    with Stack(offline=args.offline, dynamodb_endpoint=args.dynamodb_endpoint) as stack:
        assert stack.runtime is not None
        result = stack.runtime.invoke(args.function, event)
    print(json.dumps(result, indent=2))
    return 0


def write_openapi(args: argparse.Namespace) -> int:
    openapi.DOCUMENT.write_text(openapi.document())
    say(f"wrote {openapi.DOCUMENT.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--offline", action="store_true", default=_truthy(os.environ.get("OFFLINE")),
                        help="answer GitHub from recorded fixtures on loopback (also OFFLINE=1)")  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the HttpApi routes of template.yaml")
    serve_cmd.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve_cmd.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve_cmd.add_argument("--reset", action="store_true", default=_truthy(os.environ.get("RESET")),
                           help="wipe the local DynamoDB data first (also RESET=1)")  # fmt: skip
    serve_cmd.set_defaults(run=serve)
    invoke_cmd = commands.add_parser("invoke", help="invoke one function with an event file, as `sam local invoke`")
    invoke_cmd.add_argument("function", help="logical id in template.yaml, e.g. HealthCheckFunction")
    invoke_cmd.add_argument("-e", "--event", help="event JSON file, e.g. events/health_check.json")
    invoke_cmd.add_argument("--dynamodb-endpoint", default=os.environ.get("DYNAMODB_ENDPOINT"),
                            help="this DynamoDB instead of the running stack's or a new one")  # fmt: skip
    invoke_cmd.set_defaults(run=invoke)
    openapi_cmd = commands.add_parser("openapi", help="write openapi.json, merged from every function's resolver")
    openapi_cmd.set_defaults(run=write_openapi)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
