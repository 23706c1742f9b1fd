"""The ``mocklambda`` command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mocklambda", description="AWS Lambda's asynchronous invocation, emulated.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the AWS API over HTTP (moto + mocklambda, realtime mode)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=5000, help="port (default 5000; 0 picks a free one)")
    serve.add_argument("--time-scale", type=float, default=1.0,
                       help="wall seconds per AWS second: 0.01 makes a 60 s retry delay 0.6 s (default 1)")
    serve.add_argument("--idle-timeout", type=float, default=60.0,
                       help="seconds a connection may stay silent, mid-request or between requests (default 60)")
    serve.add_argument("--isolation", choices=("in-process", "process"), default="in-process",
                       help="'process' runs Python functions in processes of their own under AWS's runtime "
                            "interface client (needs mocklambda[isolated]; default: in-process)")
    args = parser.parse_args(argv)
    from .server import serve as run

    run(host=args.host, port=args.port, time_scale=args.time_scale, idle_timeout=args.idle_timeout,
        isolation=args.isolation)
    return 0


if __name__ == "__main__":  # python -m mocklambda.cli (python -m mocklambda goes through __main__)
    raise SystemExit(main())

