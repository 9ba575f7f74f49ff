"""gunicorn settings for `make run`, deploy/ and the benchmarks; each reads the environment.

Threads let one worker process overlap the waits on PostgreSQL and Redis; processes use
the cores. Two processes of four threads per core is a sane start for this app, where a
request spends most of its time waiting on the database.
"""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(max(2, multiprocessing.cpu_count()))))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# The application logs each request itself, as JSON, with its request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker) -> None:
    """A worker's Prometheus files stop counting once it is gone (multi-process metrics)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


control_socket_disable = True  # one per box by default; several servers here would fight over it
