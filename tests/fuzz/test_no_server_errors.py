"""Malformed values of every kind, posted to every page and API the URL configuration has, answer
something other than a 5xx.

The endpoints come from the URL resolver itself, so a form added later is fuzzed without touching
this file; each path parameter gets a real value (the course, an attempt, a submission, a
certificate of the signed-in learner) so that the views' own code runs, not just their 404s. The
fields posted are those the pages' forms post to that URL (hidden ones keep the page's value, so
an attempt's answer form is tried for each question), plus the names views read by hand. Every
endpoint gets each kind of bad value (huge numbers, NUL, Unicode digits, very long text, bytes
that are not UTF-8, empty values, lists, deeply nested JSON) in every field at once, then in one
field at a time with the others valid, in the query string, a multipart body and a JSON body,
then a few random combinations.
Hypothesis runs derandomized with no example database, so every run posts the same requests.
"""

import io
import json
import re
from dataclasses import dataclass
from html import unescape as html_unescape
from urllib.parse import quote, quote_from_bytes

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.demos import services as demo_services
from assessments.exams import services as exam_services
from assessments.models import DemoTask, JudgeConfiguration
from assessments.models.exams import Exam
from certificates import issuer
from courses.models import Course
from tests.accounts.factories import InstructorFactory, UserFactory
from tests.certificates.factories import CertificateFactory

pytestmark = pytest.mark.django_db

# Not fuzzed: Django's admin (staff-only, Django's own forms) and signing out (it would end the
# session the following requests use).
_SKIPPED_ROUTES = ("admin/", "accounts/logout/")
# Views that change the attempt for good run last, so the others meet it still open.
_RUN_LAST = ("/submit/", "/log/", "/start/")
# Names views read from request.POST or request.GET by hand, which no rendered form may show.
_HAND_READ = ["answer", "position", "go", "flagged", "q", "page", "format", "v", "rank-a", "rank-1"]

BAD_TEXT = {
    "empty": "",
    "control": "\x07\x1b[31m\u202e",
    "nul": "a\x00b",
    "very-long": "x" * 60_000,  # beyond every limit, and beyond SQLite's 50,000-byte LIKE pattern
    "huge-integer": "9" * 5000,
    "deep-json": '{"a":' * 3000 + "1" + "}" * 3000,
    "deep-array": "[" * 3000 + "]" * 3000,
    "superscript-digits": "¹",
    "arabic-indic-digits": "١٢",
    "huge-number": "1e999999999",  # last: what stays saved in an answer when the submit runs
}
# The page's own value for each field, written in superscript digits: distinct ranks '¹', '²', '³'.
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
NOT_UTF8 = b"\xff\xfe\xc3\x28 \xed\xa0\x80"  # invalid bytes, an overlong start, a UTF-16 surrogate


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    role: str  # who is signed in for the explicit examples


@dataclass(frozen=True)
class FuzzRequest:
    role: str
    method: str  # "get" or "post"
    body: str  # "form", "multipart" or "json"
    fields: tuple[tuple[str, object], ...]  # values are str, bytes (not UTF-8) or lists of those


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name or ""


def _fill(route: str, values: dict[str, str]) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: quote(values[match.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: quote(values[match.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


def _role_for(path: str) -> str:
    staff_only = (
        "/manage",
        "/review",
        "/results/",
        "/items/",
        "/accommodations/",
        "/log/",
        "/regrade",
        "/instructor",
        "/certificates/versions",
    )
    if any(part in path for part in staff_only):
        return "instructor"
    public = ("/verify/", "/credentials/", "/api/", "/.well-known/")
    return "anonymous" if path.startswith(public) else "learner"


@pytest.fixture
def world(db, settings, tmp_path):
    """The shipped course, a learner with an open attempt, a practice quiz, a demo run and a
    certificate, and an instructor (with TOTP, as the role requires) who is also staff."""
    settings.MEDIA_ROOT = tmp_path / "media"
    paths = issuer.issuer_paths()
    if not issuer.development_issuer_exists(paths):
        issuer.development_issuer_create(paths, now=timezone.now())
    call_command("sync_content", str(django_settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    learner = UserFactory()
    instructor = InstructorFactory(is_staff=True)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(instructor, generate_totp_secret())
    course = Course.objects.get(slug="grok4-applied")
    exam = Exam.objects.filter(course=course).first()
    now = timezone.now()
    attempt = exam_services.attempt_start(user=learner, exam=exam, now=now)
    from courses.api import module_list

    module = next(m for m in module_list(course_id=course.id) if m.practice_questions)
    practice = exam_services.practice_start(user=learner, course_id=course.id, module=module, now=now)
    # The demo whose form has the most fields (a JSON Schema, tools) is the one fuzzed.
    task = max(DemoTask.objects.order_by("slug"), key=lambda task: len(task.learner_writes))
    writes = {name: "{}" if name == "json_schema" else "Say hello." for name in task.learner_writes}
    if "tools" in writes:
        writes["tools"] = json.dumps([{"type": "function", "function": {"name": "f", "parameters": {}}}])
    submission = demo_services.submission_create(learner=learner, task=task, **writes)
    configuration = JudgeConfiguration.objects.create(
        model="grok-4.3", prompt_version="judge-v1", rubric_hash="0" * 64, staged_at=now, min_kappa=0.6
    )
    certificate = CertificateFactory(learner=learner)
    lesson = course.modules.first().lessons.first()
    from playground.services import playground_run_create

    run = playground_run_create(
        user_id=learner.pk, lesson_path="/courses/", prompt="Say hello.", system_prompt="", now=now
    )
    values = {
        "course_slug": course.slug,
        "exam_slug": exam.slug,
        "module_slug": lesson.module.slug,
        "lesson_slug": lesson.slug,
        "attempt_id": str(attempt.public_id),
        "practice_id": str(practice.public_id),
        "run_id": str(run.pk),
        "submission_id": str(submission.pk),
        "configuration_id": str(configuration.pk),
        "task_id": str(task.pk),
        "task_slug": task.slug,
        "filename": (task.inputs[0]["file"] if task.inputs else "input.txt"),
        "credential_id": certificate.credential_id,
        "key": "abc-def",
        "uidb36": "1z",
        "path": "content/nothing-here.png",
    }
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role, user in (("learner", learner), ("instructor", instructor)):
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(user)
    endpoints = []
    for route, name in _routes(get_resolver().url_patterns):
        if route.startswith(_SKIPPED_ROUTES):
            continue
        path = _fill(route, values)
        endpoints.append(Endpoint(name=name, path=path, role=_role_for(path)))
    endpoints.sort(key=lambda endpoint: any(part in endpoint.path for part in _RUN_LAST))
    return endpoints, clients


@dataclass
class FormFields:
    """What the pages' forms post to one URL: every field name, the hidden values of each form
    seen (one per question of an attempt), and every value the pages offer (options, ranks)."""

    names: set[str]
    hidden: list[dict[str, str]]
    offered: dict[str, set[str]]


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL)
_FIELD = re.compile(r"<(input|select|textarea|button|option)\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def _catalog_page(catalog: dict[str, FormFields], path: str, html: str) -> None:
    for form_attributes, body in _FORM.findall(html):
        action = dict(_ATTRIBUTE.findall(form_attributes)).get("action") or path
        fields = catalog.setdefault(action.split("?")[0], FormFields(set(), [], {}))
        current, hidden = "", {}
        for tag, attributes in _FIELD.findall(body):
            found = dict(_ATTRIBUTE.findall(attributes))
            name = found.get("name", current if tag == "option" else "")
            if not name or name == "csrfmiddlewaretoken":
                continue
            current = name if tag == "select" else current
            fields.names.add(name)
            if found.get("type") == "hidden":
                hidden.setdefault(name, html_unescape(found.get("value", "")))
            if "value" in found:
                fields.offered.setdefault(name, set()).add(html_unescape(found["value"]))
        if hidden not in fields.hidden and len(fields.hidden) < 25:
            fields.hidden.append(hidden)


def _form_catalog(endpoints: list[Endpoint], clients: dict[str, Client]) -> dict[str, FormFields]:
    """Every form of every page, by the URL it posts to; pages are also read with the query strings
    their own links use (each question of an attempt), so every question's fields are known."""
    catalog: dict[str, FormFields] = {}
    for endpoint in endpoints:
        client = clients[endpoint.role]
        response = client.get(endpoint.path)
        if "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode(errors="replace")
        _catalog_page(catalog, endpoint.path, html)
        for query in sorted(set(re.findall(rf'href="{re.escape(endpoint.path)}\?([^"#]+)"', html)))[:25]:
            more = client.get(f"{endpoint.path}?{html_unescape(query)}").content.decode(errors="replace")
            _catalog_page(catalog, endpoint.path, more)
    return catalog


def _encode(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _send(client: Client, path: str, request: FuzzRequest):
    pairs = [(name, item) for name, value in request.fields for item in (value if isinstance(value, list) else [value])]
    query = "&".join(f"{quote(name)}={quote_from_bytes(_encode(item))}" for name, item in pairs)
    if request.method == "get":
        return client.get(f"{path}?{query}")
    if request.body == "form":
        return client.post(path, query, content_type="application/x-www-form-urlencoded")
    if request.body == "multipart":
        data: dict[str, list[str]] = {}
        for name, item in pairs:
            data.setdefault(name, []).append(_encode(item).decode("utf-8", "replace"))
        return client.post(path, data)
    texts = {name: _encode(item).decode("utf-8", "replace") for name, item in pairs}
    # A JSON-looking value (the deeply nested ones) is sent as the whole body, as an API client might.
    raw = next((text for text in texts.values() if text.startswith(("[", "{"))), None) or json.dumps(texts)
    return client.post(path, raw, content_type="application/json")


_values = st.one_of(
    st.sampled_from(list(BAD_TEXT.values())),
    st.just(NOT_UTF8),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.lists(st.sampled_from(list(BAD_TEXT.values())), max_size=3),
)


def _typed(names: list[str], hidden: dict[str, str], value) -> tuple[tuple[str, object], ...]:
    """`value` in every field a learner types or picks; hidden fields keep what the page put there."""
    return tuple((name, hidden.get(name, value)) for name in names)


def _offered_in_other_digits(names: list[str], hidden: dict[str, str], form: FormFields):
    """Each field's own value from the page, its digits in superscript (field i takes the i-th value
    offered, so a set of rank fields gets distinct ranks); fields with no value offered get '¹'."""
    fields = []
    for index, name in enumerate(names):
        offered = sorted(value for value in form.offered.get(name, ()) if value) or ["1"]
        fields.append((name, hidden.get(name, offered[index % len(offered)].translate(SUPERSCRIPT))))
    return tuple(fields)


def _one_field_bad(form: FormFields, hidden: dict[str, str], name: str, value) -> tuple[tuple[str, object], ...]:
    """`value` in the field `name` only; the form's other fields hold what the page offers (or a
    word), so that the form's own validation passes and the bad value reaches the code behind it."""
    fields = []
    for other in sorted(form.names):
        offered = sorted(item for item in form.offered.get(other, ()) if item) or ["ok"]
        fields.append((other, value if other == name else hidden.get(other, offered[0])))
    return tuple(fields)


def _fuzz_endpoint(endpoint: Endpoint, clients: dict[str, Client], catalog: dict[str, FormFields]) -> list[str]:
    """The requests to `endpoint` that answered a 5xx, described."""
    form = catalog.get(endpoint.path, FormFields(set(), [{}], {}))
    names = sorted(form.names | set(_HAND_READ))
    failures: list[str] = []

    def check(request: FuzzRequest) -> None:
        response = _send(clients[request.role], endpoint.path, request)
        if response.status_code >= 500:
            shown = sorted(request.fields, key=lambda field: field[0] not in form.names)[:6]
            sample = ", ".join(f"{name}={str(value)[:30]!r}" for name, value in shown)
            failures.append(
                f"{response.status_code}: {request.method} {endpoint.path} ({request.body}) as {request.role}: {sample}"
            )
        assert response.status_code < 500

    # Every kind in the first form seen; the core kinds in each further one (each question of an
    # attempt). The huge number comes last, so it is what stays saved for the submit run at the end.
    every_kind = [NOT_UTF8, [BAD_TEXT["nul"], BAD_TEXT["huge-number"]], *BAD_TEXT.values()]
    core_kinds = [BAD_TEXT[kind] for kind in ("nul", "deep-json", "superscript-digits", "huge-number")]
    explicit = (
        [
            FuzzRequest(endpoint.role, "post", "form", fields)
            for index, hidden in enumerate(form.hidden)
            for fields in [
                _offered_in_other_digits(names, hidden, form),
                *(_typed(names, hidden, value) for value in (every_kind if index == 0 else [NOT_UTF8, *core_kinds])),
            ]
        ]
        + [
            FuzzRequest(endpoint.role, "post", "form", _one_field_bad(form, form.hidden[0], name, value))
            for name in sorted(form.names - set(form.hidden[0]))
            for value in core_kinds
        ]
        + [
            FuzzRequest(endpoint.role, method, body, _typed(names, form.hidden[0], BAD_TEXT[kind]))
            for method, body, kinds in (
                ("get", "form", ("huge-number", "nul", "very-long", "arabic-indic-digits")),
                ("post", "multipart", ("nul", "deep-json")),
                ("post", "json", ("deep-json", "huge-number")),
            )
            for kind in kinds
        ]
    )

    @hypothesis_settings(
        max_examples=3,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        request=st.builds(
            FuzzRequest,
            role=st.sampled_from(["anonymous", "learner", "instructor"]),
            method=st.sampled_from(["get", "post"]),
            body=st.sampled_from(["form", "multipart", "json"]),
            fields=st.lists(
                st.sampled_from(names).flatmap(
                    lambda name: st.tuples(
                        st.just(name), st.one_of(st.sampled_from(sorted(form.offered.get(name) or {""})), _values)
                    )
                ),
                min_size=1,
                max_size=8,
            ).map(tuple),
        )
    )
    def random_requests(request: FuzzRequest) -> None:
        check(request)

    try:
        for request in explicit:
            check(request)
        random_requests()
    except AssertionError:
        pass  # recorded in `failures`; go on with the next endpoint
    return sorted(set(failures))


def test_no_input_to_any_endpoint_gets_a_server_error(world):
    endpoints, clients = world
    assert len(endpoints) > 60  # the resolver was walked, not a hand-made list
    catalog = _form_catalog(endpoints, clients)
    assert catalog  # the pages' forms were read
    failures = [failure for endpoint in endpoints for failure in _fuzz_endpoint(endpoint, clients, catalog)]
    assert not failures, "\n".join(failures)
