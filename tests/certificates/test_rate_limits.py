"""Rate limits on the public verification endpoints, counted in the real cache by real threads."""

import datetime
import threading
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from certificates.ratelimit import rate_limit_hit
from tests.certificates.factories import CertificateFactory

FROZEN = datetime.datetime(2026, 11, 22, 9, 0, 30, tzinfo=datetime.UTC)


def _address() -> str:
    """A client address no other test (or earlier run on a shared Redis) has counted."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def _in_threads(count: int, work) -> list:
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_increments_of_the_cache_are_all_counted():
    key = f"test:counter:{uuid.uuid4()}"
    cache.add(key, 0, timeout=120)
    _in_threads(16, lambda _: [cache.incr(key) for _ in range(25)])
    assert cache.get(key) == 400


def test_150_concurrent_api_requests_get_exactly_the_limit(settings, time_machine):
    # A frozen clock keeps all 150 requests in one counting window.
    time_machine.move_to(FROZEN, tick=False)
    settings.CERT_API_RATE_LIMIT, settings.CERT_API_RATE_WINDOW = 60, 60
    address = _address()
    # An id with a wrong check character: answered (400) without a database read, after the count.
    codes = _in_threads(150, lambda _: Client().get("/api/v1/credentials/AAAA-AAAA-AAAA-A", REMOTE_ADDR=address))
    statuses = [response.status_code for response in codes]
    assert statuses.count(429) == 90
    assert len(statuses) - statuses.count(429) == 60


def test_the_limiter_counts_exactly_under_threads(time_machine):
    time_machine.move_to(FROZEN, tick=False)
    ident = _address()
    waits = _in_threads(150, lambda _: rate_limit_hit(scope="test", ident=ident, limit=60, window=60))
    assert waits.count(None) == 60
    assert all(1 <= wait <= 60 for wait in waits if wait is not None)


@pytest.mark.django_db
def test_verify_page_badge_and_api_share_one_budget(client, settings, time_machine):
    time_machine.move_to(FROZEN, tick=False)
    settings.CERT_API_RATE_LIMIT = 3
    certificate = CertificateFactory()  # no badge yet: its files answer 404, counted all the same
    address = _address()
    urls = [
        f"/verify/{certificate.display_id}/",
        f"/credentials/{certificate.display_id}.json",
        f"/api/v1/credentials/{certificate.display_id}",
    ]
    assert [client.get(url, REMOTE_ADDR=address).status_code for url in urls] == [200, 404, 200]
    for url in [*urls, f"/credentials/{certificate.display_id}.jwt"]:
        limited = client.get(url, REMOTE_ADDR=address)
        assert limited.status_code == 429, url
        assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many requests" in client.get(urls[0], REMOTE_ADDR=address).content.decode()
    assert client.get(urls[0], REMOTE_ADDR=_address()).status_code == 200


@pytest.mark.django_db
def test_forwarded_for_is_ignored_without_trusted_proxies(client, settings, time_machine):
    time_machine.move_to(FROZEN, tick=False)
    settings.CERT_API_RATE_LIMIT = 2
    assert settings.TRUSTED_PROXY_COUNT == 0
    address = _address()
    codes = [
        client.get("/api/v1/openapi.json").status_code,  # not limited: the document, not a record
        *[
            client.get(
                "/api/v1/credentials/AAAA-AAAA-AAAA-A", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=_address()
            ).status_code
            for _ in range(3)
        ],
    ]
    assert codes == [200, 400, 400, 429]


@pytest.mark.django_db
def test_with_one_trusted_proxy_the_address_it_saw_is_counted(client, settings, time_machine):
    time_machine.move_to(FROZEN, tick=False)
    settings.CERT_API_RATE_LIMIT = 2
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy, first, second = _address(), _address(), _address()

    def get(forwarded_for: str) -> int:
        return client.get(
            "/api/v1/credentials/AAAA-AAAA-AAAA-A", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    # The client may prepend anything; the proxy appends the address it saw, which counts.
    assert [get(f"{_address()}, {first}") for _ in range(3)] == [400, 400, 429]
    assert get(second) == 400
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 3
    assert get(second) in {400, 429}  # a header shorter than the proxy chain: no 500
