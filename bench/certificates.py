"""Certificate benchmark: issue N certificates (render + PAdES B-LTA signature with two
RFC 3161 timestamps from the embedded development TSA) in one process, verify N uploads,
time the public verification page and bulk verification (100 ids, 20 PDFs), against a bare
WeasyPrint render of the same template in the same run.

    python bench/certificates.py [--n 50] [--page-requests 300] [--bulk-rounds 5]

Uses the test settings and a throwaway test database (SQLite by default, or DATABASE_URL),
and a development issuer in a temporary VAR_DIR.
Targets: render + sign + timestamp under 150 ms median; verification page p95 under 20 ms.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402

from accounts.models import User  # noqa: E402
from assessments.api import DemoOutcome, ExamOutcome  # noqa: E402
from certificates import issuer, pdf, services  # noqa: E402
from certificates.eligibility import eligibility_evaluate  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from certificates.verification import UploadVerdict, upload_verify  # noqa: E402
from courses import api as courses_api  # noqa: E402
from courses.models import Course  # noqa: E402

NAMES = ["José Núñez", "王小明", "محمد عبد الله", "Zoë Ångström-Ødegaard", "Learner Example"]
REQUIREMENTS = {"validity_months": 24, "requires": {"exam": "certification-exam", "demos": ["structured-extraction"]}}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def row(label: str, samples: list[float]) -> str:
    return f"{label:<44} median {statistics.median(samples) * 1000:7.1f} ms   p95 {percentile(samples, 0.95) * 1000:7.1f} ms"


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def make_certificates(n: int) -> list[int]:
    now = timezone.now()
    course = Course.objects.create(
        slug="bench-course",
        title="Applying xAI Grok 4 for Prompting, Tool Use, Search & Vision",
        version="2026.11",
        metadata={"certificate": REQUIREMENTS},
    )
    info = courses_api.course_get_by_id(course_id=course.pk)
    exam = ExamOutcome("certification-exam", True, 88.0, 1, now, False)
    demos = [DemoOutcome("structured-extraction", "Structured extraction", True, 0.9, 1, now, False)]
    eligibility = eligibility_evaluate(REQUIREMENTS, exam, demos, None)
    ids = []
    for i in range(n):
        learner = User.objects.create_user(
            email=f"bench{i}@example.com", password=None, certificate_name=NAMES[i % len(NAMES)]
        )
        ids.append(services.certificate_issue(user_id=learner.pk, course=info, eligibility=eligibility).pk)
    return ids


def bulk_requests(client: Client, ids: list[str], files: list[bytes], rounds: int) -> tuple[list[float], list[float]]:
    """POST /api/v1/credentials:verify with 100 ids, then with 20 PDFs, `rounds` times each."""
    by_ids, by_files = [], []
    body = json.dumps({"credential_ids": (ids * (100 // len(ids) + 1))[:100]})
    for round_number in range(rounds):
        address = f"10.8.0.{round_number}"  # one address per round keeps clear of the rate limit
        elapsed, response = timed(
            lambda: client.post(
                "/api/v1/credentials:verify", body, content_type="application/json", REMOTE_ADDR=address
            )
        )
        assert response.status_code == 200 and len(response.json()["results"]) == 100, response.content[:200]
        by_ids.append(elapsed)
        uploads = []
        for index, data in enumerate((files * (20 // len(files) + 1))[:20]):
            handle = io.BytesIO(data)
            handle.name = f"{index}.pdf"
            uploads.append(handle)
        elapsed, response = timed(
            lambda: client.post("/api/v1/credentials:verify", {"file": uploads}, REMOTE_ADDR=f"10.9.0.{round_number}")
        )
        results = response.json()["results"]
        assert len(results) == 20 and {row["verdict"] for row in results} == {"authentic"}, results[:2]
        by_files.append(elapsed)
    return by_ids, by_files


def run(n: int, page_requests: int, bulk_rounds: int) -> None:
    issuer.development_issuer_create(issuer.issuer_paths(), now=timezone.now())
    certificate_ids = make_certificates(n + 1)
    warmup_id, certificate_ids = certificate_ids[0], certificate_ids[1:]

    # The first render in a process pays for fonts and imports; report it, then measure warm.
    first_render, _ = timed(lambda: services.certificate_render_and_sign(certificate_id=warmup_id))

    documents = [
        services.certificate_document(certificate=c) for c in Certificate.objects.filter(pk__in=certificate_ids)
    ]
    css_path = pdf.ASSETS_DIR / "certificate_pdf.css"
    bare, ours_render, sign = [], [], []
    signer = issuer.signer_load()
    for document in documents:
        html = pdf.certificate_html(document)
        # Bare: WeasyPrint's defaults (new font configuration, CSS parsed per call, default fetcher).
        bare.append(timed(lambda: HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(css_path))]))[0])
        elapsed, rendered = timed(lambda: pdf.pdf_render(document))
        ours_render.append(elapsed)
        sign.append(timed(lambda: pdf.pdf_sign(rendered, signer=signer, location=settings.SITE_URL))[0])

    issue = [timed(lambda: services.certificate_render_and_sign(certificate_id=pk))[0] for pk in certificate_ids]

    certificates = list(Certificate.objects.filter(pk__in=certificate_ids))
    files = []
    for certificate in certificates:
        with certificate.pdf.open("rb") as handle:
            files.append(handle.read())
    verify = []
    for data in files:
        elapsed, result = timed(lambda: upload_verify(data, now=timezone.now()))
        assert result.verdict == UploadVerdict.AUTHENTIC, result
        verify.append(elapsed)

    client = Client()
    urls = [f"/verify/{c.display_id}/" for c in certificates]
    for url in urls[:5]:
        assert client.get(url).status_code == 200
    page = [timed(lambda: client.get(urls[i % len(urls)]))[0] for i in range(page_requests)]
    bulk_ids, bulk_files = bulk_requests(client, [c.display_id for c in certificates], files, bulk_rounds)

    median_issue = statistics.median(issue)
    median_bare = statistics.median(bare)
    print(
        f"Certificates benchmark: N={n}, {page_requests} page requests, database {connection.vendor}, "
        f"PDF about {statistics.mean(len(f) for f in files) / 1024:.0f} KB"
    )
    print(f"{'first render + sign in the process':<44} {first_render * 1000:7.1f} ms")
    print(row("bare WeasyPrint render (defaults)", bare))
    print(row("our render (shared fonts + parsed CSS)", ours_render))
    print(row("PAdES B-LTA signature + 2 timestamps", sign))
    print(row("issue: render + sign + timestamp + store", issue))
    print(row("upload verification (pyHanko LTA + lookup)", verify))
    print(row("verification page GET /verify/<id>/", page))
    print(row("bulk API: 100 ids in one request", bulk_ids))
    print(row("bulk API: 20 PDFs in one request", bulk_files))
    print(f"ratio render+sign+store / bare render: {median_issue / median_bare:.2f}")
    print(
        f"target render+sign+timestamp < 150 ms median: {'PASS' if median_issue < 0.150 else 'FAIL'} "
        f"({median_issue * 1000:.1f} ms)"
    )
    page_p95 = percentile(page, 0.95)
    print(f"target verification page p95 < 20 ms: {'PASS' if page_p95 < 0.020 else 'FAIL'} ({page_p95 * 1000:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--page-requests", type=int, default=300)
    parser.add_argument("--bulk-rounds", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    settings.DEBUG = False
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.n, args.page_requests, args.bulk_rounds)
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
