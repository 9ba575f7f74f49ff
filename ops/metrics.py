"""Prometheus metrics.

Two sources, so that every web node answers the same for what lives in the database:
- counters and histograms observed in this process (HTTP requests, Celery tasks), shared
  between processes of one box through PROMETHEUS_MULTIPROC_DIR when it is set (`make run`,
  deploy/), so gunicorn's workers and the Celery workers all show up in one scrape;
- figures read from the database at scrape time (attempts open, the demo queue, model calls
  with their latency and cost, certificates) and from the broker (queue lengths).
"""

import os
import time

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from assessments import api as assessments_api
from certificates import api as certificates_api

HTTP_REQUESTS = Counter(
    "certify_http_requests", "HTTP requests answered, by route name, method and status.", ["view", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "certify_http_request_duration_seconds",
    "Time to answer a request inside the application, by route name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
TASKS = Counter("certify_celery_tasks", "Celery task events by task name and outcome.", ["task", "event"])
TASK_RUNTIME = Histogram(
    "certify_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)
QUEUES = ("default", "model_calls")


class DatabaseCollector:
    """Read at each scrape; a few indexed counts and one aggregate over the model-call records."""

    def collect(self):
        snapshot = assessments_api.operations_snapshot()
        yield GaugeMetricFamily(
            "certify_exam_attempts_open", "Exam attempts in progress.", value=snapshot.attempts_open
        )
        by_state = GaugeMetricFamily("certify_demo_submissions", "Demo submissions by state.", labels=["state"])
        for state, count in snapshot.demo_submissions_by_state.items():
            by_state.add_metric([state], count)
        yield by_state
        oldest = snapshot.demo_oldest_waiting_at
        yield GaugeMetricFamily(
            "certify_demo_oldest_waiting_seconds",
            "Age of the oldest demo submission still queued or running (0 when none).",
            value=max(0.0, time.time() - oldest.timestamp()) if oldest else 0.0,
        )
        yield CounterMetricFamily("certify_model_calls", "Model calls stored.", value=snapshot.model_calls)
        yield CounterMetricFamily(
            "certify_model_call_cost_usd", "Cost of the stored model calls, USD.", value=snapshot.model_call_cost_usd
        )
        yield CounterMetricFamily(
            "certify_model_call_tokens",
            "Prompt and completion tokens of stored calls.",
            value=snapshot.model_call_tokens,
        )
        yield CounterMetricFamily(
            "certify_model_call_transient_failures",
            "Transient model API failures recorded on demo submissions.",
            value=snapshot.demo_transient_failures,
        )
        bounds = assessments_api.MODEL_CALL_LATENCY_BUCKETS
        yield HistogramMetricFamily(
            "certify_model_call_latency_seconds",
            "Latency of the stored model calls.",
            buckets=[
                *[(str(float(b)), n) for b, n in zip(bounds, snapshot.model_call_latency_buckets, strict=True)],
                ("+Inf", snapshot.model_calls),
            ],
            sum_value=snapshot.model_call_latency_seconds_sum,
        )
        certificates = GaugeMetricFamily("certify_certificates", "Certificates by status.", labels=["status"])
        for status, count in certificates_api.certificate_counts_by_status().items():
            certificates.add_metric([status], count)
        yield certificates
        lengths = broker_queue_lengths()
        if lengths:
            queue = GaugeMetricFamily("certify_broker_queue_length", "Messages waiting in a queue.", labels=["queue"])
            for name, length in lengths.items():
                queue.add_metric([name], length)
            yield queue


def broker_queue_lengths() -> dict[str, int]:
    """Redis lists hold Celery's queues; the file-system broker of `make run` is not counted."""
    if not settings.REDIS_URL:
        return {}
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
    try:
        return {name: client.llen(name) for name in QUEUES}
    finally:
        client.close()


def exposition() -> bytes:
    """The text of one scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    database_registry = CollectorRegistry()
    database_registry.register(DatabaseCollector())
    return generate_latest(process_registry) + generate_latest(database_registry)
