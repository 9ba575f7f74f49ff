"""`python -m devtools.model_simulator`: serve the simulator until Ctrl-C."""

import argparse
import os
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the OpenAI-compatible model simulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every answer takes (the benchmark uses 5)")
    parser.add_argument("--content", metavar="PATH", help="behave like a model on the demo tasks under PATH")
    parser.add_argument("--judge-mode", choices=("honest", "fooled"), default="honest", help="how the judge answers")
    args = parser.parse_args()
    if args.content and not Path(args.content).is_dir():
        sys.exit(f"{args.content}: not a folder")
    # Prices come from the project's settings, like the real API's price list.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from .server import ModelSimulator

    try:
        simulator = ModelSimulator(
            host=args.host, port=args.port, latency=args.latency, content_dir=args.content, judge_mode=args.judge_mode
        )
    except OSError as exc:
        sys.exit(f"cannot listen on {args.host}:{args.port}: {exc}")
    tasks = len(simulator.demo_behaviours)
    print(
        f"Model simulator on {simulator.base_url} (latency {args.latency:g} s, {tasks} demo task"
        f"{'s' if tasks != 1 else ''}, judge {args.judge_mode}). Point XAI_BASE_URL at it. Ctrl-C stops it.",
        flush=True,
    )
    try:
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.server.server_close()


if __name__ == "__main__":
    main()
