"""Several threads running the same code at the same moment, each on its own database connection,
as concurrent requests or tasks would."""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def all_at_once(call: Callable[[], T], *, threads: int) -> list[T | Exception]:
    """Starts `threads` threads that wait for one another, then each runs `call`. Returns what
    each returned or raised, in the order they finished."""
    from django.db import connections

    barrier, lock = threading.Barrier(threads), threading.Lock()
    outcomes: list[T | Exception] = []

    def run() -> None:
        outcome: T | Exception
        try:
            barrier.wait(timeout=10)
            outcome = call()
        except Exception as exc:  # handed to the test, which asserts on it
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes
