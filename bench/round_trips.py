"""What one round trip to PostgreSQL or Redis costs the process that waits for it, in CPU:
back to back (the baseline, measured in the same run), then with a pause before each, as a
web process sees them when requests arrive apart and the core goes idle in between.

Each exam request waits on three to seven round trips (the session in Redis, the user and the
attempt's rows in PostgreSQL, the transaction's BEGIN and COMMIT for a save). On a machine
where waking up is expensive, as on a virtual machine whose kernel runs nested, those waits,
not the queries, are a large part of the CPU per request that `bench/exam_load.py` prints.

    python bench/round_trips.py [--calls 300] [--pauses 0 1 5 20]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and REDIS_URL (default
redis://127.0.0.1:6379/0) name the servers; nothing is written to either.
"""

import argparse
import os
import time
from collections.abc import Callable

import psycopg
import redis


def cpu_microseconds_per_call(call: Callable[[], object], *, calls: int, pause: float) -> float:
    """This process's CPU per call (user + system, every thread), the pause's own wake-up included."""
    for _ in range(20):
        call()
    started = time.process_time()
    for _ in range(calls):
        call()
        if pause:
            time.sleep(pause)
    return (time.process_time() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="calls per figure")
    parser.add_argument("--pauses", type=float, nargs="+", default=[0, 1, 5, 20], help="milliseconds between calls")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    with (
        psycopg.connect(database_url, autocommit=True, connect_timeout=10) as database,
        redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=10) as cache,
    ):
        kinds: dict[str, Callable[[], object]] = {
            "PostgreSQL SELECT 1": lambda: database.execute("SELECT 1").fetchall(),
            "Redis GET": lambda: cache.get("bench-round-trips-missing-key"),
            "a pause alone": lambda: None,
        }
        print(f"\nCPU of the waiting process per call, in microseconds ({args.calls} calls each):\n")
        print(f"{'':<22}" + "".join(f"{f'{pause:g} ms apart':>16}" for pause in args.pauses))
        baseline: dict[str, float] = {}
        for kind, call in kinds.items():
            cells = []
            for pause in args.pauses:
                spent = cpu_microseconds_per_call(call, calls=args.calls, pause=pause / 1000)
                baseline.setdefault(kind, spent)
                # The pause alone costs next to nothing back to back: no ratio for it.
                ratio = f" ({spent / baseline[kind]:.1f}x)" if baseline[kind] >= 1 and pause else ""
                cells.append(f"{spent:7.0f}{ratio:>9}")
            print(f"{kind:<22}" + "".join(f"{cell:>16}" for cell in cells))
    print("\nThe first column is the baseline; the ratios compare each figure with it.")


if __name__ == "__main__":
    main()
