"""The CSP middleware builds its header once per process yet sends what django-csp would."""

import re

import pytest
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.csp import CSPMiddleware


def test_a_page_gets_its_own_nonce_in_the_header(client, db):
    pages = [client.get(reverse("courses:catalog")) for _ in range(2)]
    nonces = []
    for page in pages:
        nonce = re.search(r'nonce="([^"]+)"', page.content.decode()).group(1)
        assert page["Content-Security-Policy"] == build_policy(nonce=nonce)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_a_response_without_a_nonce_gets_the_policy_without_one():
    request = RequestFactory().get("/anything")
    middleware = CSPMiddleware(lambda request: HttpResponse("{}", content_type="application/json"))
    response = middleware(request)
    assert response["Content-Security-Policy"] == build_policy() and "nonce-" not in build_policy()
    with pytest.raises(Exception, match="csp_nonce"):
        str(request.csp_nonce)  # asked for after the header was written


def test_a_view_with_its_own_policy_keeps_it():
    def view(request):
        response = HttpResponse("ok")
        response._csp_update = {"img-src": ["https://images.example"]}
        return response

    response = CSPMiddleware(view)(RequestFactory().get("/"))
    assert "https://images.example" in response["Content-Security-Policy"]
