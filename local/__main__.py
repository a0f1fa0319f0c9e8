"""Command line of the local stack: `python -m local serve` and `python -m local invoke FUNCTION [-e EVENT]`,
with `sam local`'s options for the template, parameter overrides and an env-vars file."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from local import openapi, trending_menu
from local.runtime import DEFAULT_CONCURRENCY, InvocationError
from local.server import LocalApi
from local.stack import Stack, say
from local.template import ROOT, TEMPLATE, load


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


_LONG_FORM = re.compile(r"^ParameterKey=(?P<key>[^,]+),ParameterValue=(?P<value>.*)$")


def parse_parameter_overrides(text: str) -> dict[str, str]:
    """`sam`'s two spellings: `Key=Value Other=Value` and `ParameterKey=Key,ParameterValue=Value ...`."""
    overrides: dict[str, str] = {}
    for item in shlex.split(text):
        found = _LONG_FORM.match(item)
        if found:
            overrides[found["key"]] = found["value"]
        elif "=" in item:
            key, _, value = item.partition("=")
            overrides[key] = value
        else:
            raise SystemExit(f"error: parameter override {item!r} is not Key=Value")
    return overrides


def _stack(args: argparse.Namespace, **kwargs: Any) -> Stack:
    return Stack(
        offline=args.offline,
        template=Path(args.template),
        parameters=parse_parameter_overrides(args.parameter_overrides or ""),
        env_vars=Path(args.env_vars) if args.env_vars else None,
        concurrency=args.concurrency,
        **kwargs,
    )


def serve(args: argparse.Namespace) -> int:
    with _stack(args, reset=args.reset, attach=False, deliver_queues=True, schedules=args.schedules) as stack:
        assert stack.runtime is not None
        try:
            api = LocalApi(stack.template.functions, stack.runtime, args.port, args.host, pages=openapi.pages(),
                           cors=stack.template.cors, upstream_hint=stack.upstream_hint)  # fmt: skip
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
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while stopping changes nothing
        say("stopping ...")
        api.stop()
    return 0


def read_event(source: str | None) -> Any:
    """`sam local invoke`'s event: {} without -e, stdin with `-e -`, else the file."""
    if source is None:
        return {}
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except FileNotFoundError:
        raise SystemExit(f"error: no event file {source}") from None
    except OSError as exc:
        raise SystemExit(f"error: cannot read event file {source}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SystemExit(f"error: event {'from stdin' if source == '-' else source} is not JSON: {exc}") from None


def invoke(args: argparse.Namespace) -> int:
    event = read_event(args.event)
    known = load(Path(args.template)).functions  # before starting anything: a typo is a one-line error
    if args.function not in known:
        raise SystemExit(f"error: no function {args.function!r} in {args.template}; known: {', '.join(sorted(known))}")
    with _stack(args, dynamodb_endpoint=args.dynamodb_endpoint, aws_endpoint=args.aws_endpoint) as stack:
        assert stack.runtime is not None
        try:
            result = stack.runtime.invoke(args.function, event)
        except InvocationError as exc:  # what Lambda answers for a function error, as `sam local invoke` prints it
            error = {"errorMessage": str(exc), "errorType": exc.detail.get("errorType", "Runtime.Error")}
            print(json.dumps(error))
            return 1
    print(json.dumps(result, indent=2))
    return 0


def _event_time(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a time like 2026-12-04T10:00:00Z (UTC)")
    return value


def schedule(args: argparse.Namespace) -> int:
    """Fire a function's schedule now. With `make dev` running, its queue pollers deliver what the function
    enqueued; without, this command delivers it itself until the queues are empty."""
    known = load(Path(args.template)).functions
    spec = known.get(args.function)
    if spec is None or not spec.schedules:
        scheduled = ", ".join(sorted(name for name, s in known.items() if s.schedules))
        raise SystemExit(f"error: {args.function!r} has no Schedule event in {args.template}; scheduled: {scheduled}")
    from local.schedules import scheduled_event

    with _stack(args, dynamodb_endpoint=args.dynamodb_endpoint, aws_endpoint=args.aws_endpoint) as stack:
        assert stack.runtime is not None
        try:
            event = scheduled_event(args.function, spec.schedules[0])
            if args.time:  # the trending refresh records this day in the history (the local stack only)
                event["time"] = args.time
            result = stack.runtime.invoke(args.function, event)
        except InvocationError as exc:
            print(json.dumps({"errorMessage": str(exc), "errorType": exc.detail.get("errorType", "Runtime.Error")}))
            return 1
        print(json.dumps(result, indent=2))
        if not stack.attached and not args.aws_endpoint:  # else the queue is another process's to deliver
            say("no `make dev` running: delivering the queues here until they are empty")
            for poller in stack.start_queues():
                poller.drain()
    return 0


def write_openapi(args: argparse.Namespace) -> int:
    document = openapi.document()
    openapi.DOCUMENT.write_text(document)
    openapi.CONTRACT.write_text(openapi.contract(document))
    say(f"wrote {openapi.DOCUMENT.name} and {openapi.CONTRACT.relative_to(ROOT)}")
    return 0


def write_trending_menu(args: argparse.Namespace) -> int:
    page, count = trending_menu.write()
    say(f"wrote {trending_menu.MENU.relative_to(ROOT)}: {count} languages from {page.name}")
    return 0


def _sam_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("-t", "--template", default=str(TEMPLATE.relative_to(ROOT)),
                         help="the SAM template (default template.yaml)")  # fmt: skip
    command.add_argument("-n", "--env-vars", default=os.environ.get("ENV_VARS") or None,
                         help='sam local\'s env-vars JSON: {"Parameters": {...}, "FunctionName": {...}}; '
                         "its values win over everything (also ENV_VARS=file)")  # fmt: skip
    command.add_argument("--parameter-overrides", default=os.environ.get("PARAMETER_OVERRIDES"),
                         help="template parameters: 'LogLevel=DEBUG TrendingMaxAgeSeconds=60' "
                         "(also PARAMETER_OVERRIDES=...)")  # fmt: skip
    command.add_argument("--concurrency", type=int,
                         default=int(os.environ.get("CONCURRENCY") or DEFAULT_CONCURRENCY),
                         help="most warm workers per function (also CONCURRENCY=)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--offline", action="store_true", default=_truthy(os.environ.get("OFFLINE")),
                        help="answer GitHub from recorded fixtures on loopback (also OFFLINE=1)")  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the HttpApi routes of template.yaml")
    serve_cmd.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve_cmd.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve_cmd.add_argument("--reset", action="store_true", default=_truthy(os.environ.get("RESET")),
                           help="wipe the local DynamoDB data in use first (also RESET=1)")  # fmt: skip
    serve_cmd.add_argument("--no-schedules", dest="schedules", action="store_false",
                           default=_truthy(os.environ.get("SCHEDULES", "1")),
                           help="don't fire the template's rate() schedules (also SCHEDULES=0)")  # fmt: skip
    _sam_options(serve_cmd)
    serve_cmd.set_defaults(run=serve)
    invoke_cmd = commands.add_parser("invoke", help="invoke one function with an event, as `sam local invoke`")
    invoke_cmd.add_argument("function", help="logical id in template.yaml, e.g. HealthCheckFunction")
    invoke_cmd.add_argument("-e", "--event", help="event JSON file, `-` for stdin; without it an empty event {}")
    invoke_cmd.add_argument("--dynamodb-endpoint", default=os.environ.get("DYNAMODB_ENDPOINT"),
                            help="this DynamoDB instead of the running stack's or a new one")  # fmt: skip
    _sam_options(invoke_cmd)
    invoke_cmd.add_argument("--aws-endpoint", default=os.environ.get("AWS_LOCAL_ENDPOINT"),
                            help="this moto server (SSM, KMS, SQS, SNS, S3), not the stack's or a new one")  # fmt: skip
    invoke_cmd.set_defaults(run=invoke)
    schedule_cmd = commands.add_parser("schedule", help="fire a function's Schedule event now (EventBridge's event)")
    schedule_cmd.add_argument("function", help="logical id in template.yaml, e.g. DispatchNotificationsFunction")
    schedule_cmd.add_argument("--dynamodb-endpoint", default=os.environ.get("DYNAMODB_ENDPOINT"))
    schedule_cmd.add_argument("--aws-endpoint", default=os.environ.get("AWS_LOCAL_ENDPOINT"))
    schedule_cmd.add_argument("--time", type=_event_time,
                              help="the event's time, e.g. 2026-12-04T10:00:00Z: the day the trending refresh "
                              "records in its history (locally only; deployed, the clock's)")  # fmt: skip
    _sam_options(schedule_cmd)
    schedule_cmd.set_defaults(run=schedule)
    openapi_cmd = commands.add_parser("openapi", help="write openapi.json and wegit/contract.json")
    openapi_cmd.set_defaults(run=write_openapi)
    menu_cmd = commands.add_parser("trending-menu", help="write the layer's built-in trending language menu")
    menu_cmd.set_defaults(run=write_trending_menu)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except KeyError as exc:  # an unknown parameter override
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while starting: everything started is stopped by the `with` blocks
        say("stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
