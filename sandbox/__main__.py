"""``python -m sandbox --env-file PATH``: run the four emulators, and the page that shows them, until interrupted.

Once every emulator answers, the environment a Followthrough process needs (SLACK_API_URL, SLACK_BOT_TOKEN, ...)
is written to PATH as NAME=value lines, then the URLs are printed, the page's first (always on 127.0.0.1). SIGINT
or SIGTERM stops everything; the env file is removed on the way out, because the ports it names are gone.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import urllib.request
from pathlib import Path

from sandbox.harness import Sandbox
from sandbox.seed import load_seed


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_sandbox/faults", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", required=True, type=Path, help="where to write NAME=value lines")
    parser.add_argument("--seed", type=Path, default=None, help="a seed YAML (default: the bundled Northwind Labs)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    for name in ("slack", "jira", "salesforce", "openai"):
        parser.add_argument(f"--{name}-port", type=int, default=0, help=f"port for {name} (default: a free one)")
    parser.add_argument("--web-port", type=int, default=0, help="port of the sandbox page (default: a free one)")
    args = parser.parse_args(argv)

    try:
        seed = load_seed(args.seed)
    except (OSError, ValueError) as exc:
        print(f"sandbox: cannot load the seed: {exc}", file=sys.stderr)
        return 2
    if not args.env_file.parent.exists():
        print(f"sandbox: the folder of --env-file does not exist: {args.env_file.parent}", file=sys.stderr)
        return 2
    ports = {name: getattr(args, f"{name}_port") for name in ("slack", "jira", "salesforce", "openai", "web")}
    sandbox = Sandbox(seed, host=args.host, ports=ports)
    try:
        sandbox.start()
    except OSError as exc:
        print(f"sandbox: cannot listen: {exc}", file=sys.stderr)
        return 2
    stopped = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        silent = [e.name for e in sandbox.emulators if not _answers(e.base_url)]
        if silent:
            print(f"sandbox: {', '.join(silent)} did not answer", file=sys.stderr)
            return 1
        sandbox.write_env_file(args.env_file)
        print(f"sandbox: {seed.company.name} is up; environment written to {args.env_file}")
        print(f"  page        {sandbox.console.url}   <- open this in a browser")
        for emulator in sandbox.emulators:
            print(f"  {emulator.name:<11} {emulator.base_url}")
        print("Press Ctrl-C to stop.", flush=True)
        stopped.wait()
        return 0
    finally:
        args.env_file.unlink(missing_ok=True)
        sandbox.stop()
        print("sandbox: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
