"""Certificates speak the holder's or the viewer's language: the PDF in the language fixed at
issuance, the verification pages in the visitor's, the e-mails in the recipient's."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from certificates import badges, recertification, services
from certificates.credential_id import credential_id_format, credential_id_generate
from certificates.eligibility import eligibility_evaluate
from certificates.models import Certificate
from courses import api as courses_api
from courses.models import Course
from tests.accounts.factories import UserFactory
from tests.certificates.conftest import signing_issuer  # noqa: F401  (a fixture used below)
from tests.certificates.factories import CertificateFactory, CourseFactory
from tests.certificates.helpers import pdf_bytes, pdf_text, upload
from tests.certificates.test_issuance import demo_outcomes, exam_outcome
from tests.recert.conftest import course_root  # noqa: F401  (a fixture used below)
from tests.requirements import require_font

pytestmark = pytest.mark.django_db

ISSUED = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _issue(*, learner, language: str = "") -> Certificate:
    """Issues through the service as the worker does, `language` being the one of the page
    the learner earned it on."""
    course = CourseFactory()
    info = courses_api.course_get_by_id(course_id=course.pk)
    eligibility = eligibility_evaluate(info.certificate, exam_outcome(), demo_outcomes(), None)
    certificate = services.certificate_issue(
        user_id=learner.pk, course=info, eligibility=eligibility, now=ISSUED, language=language
    )
    assert certificate is not None
    return certificate


@pytest.mark.parametrize(
    ("preferred", "requested", "expected"),
    [("ja", "ko", "ja"), ("", "ko", "ko"), ("", "", "en"), ("", "xx", "en")],
)
def test_the_certificate_language_is_the_holders_choice_else_the_page_language_else_english(
    preferred, requested, expected
):
    certificate = _issue(learner=UserFactory(preferred_language=preferred), language=requested)
    assert certificate.language == expected


CJK_FONTS = {"ja": "Noto Serif CJK JP", "ko": "Noto Serif CJK KR"}
# (language, labels the PDF must print, the issue date as that language writes it)
PDF_LABELS = [
    ("ja", ["修了証", "以下の者が", "発行日", "有効期限", "資格情報ID"], "2026年12月1日"),
    ("ko", ["수료 인증서", "발급일", "만료일", "자격 증명 ID"], "2026년 12월 1일"),
]


@pytest.mark.parametrize(("language", "labels", "issued_on"), PDF_LABELS)
def test_the_signed_pdf_is_printed_in_the_holders_language(language, labels, issued_on, signing_issuer):  # noqa: F811
    require_font(CJK_FONTS[language], package="fonts-noto-cjk")
    learner = UserFactory(preferred_language=language, certificate_name="Ada Lovelace")
    certificate = services.certificate_render_and_sign(certificate_id=_issue(learner=learner).pk)
    text = pdf_text(pdf_bytes(certificate))
    for label in labels:
        assert label in text
    assert issued_on in text
    assert "Certificate of Achievement" not in text
    assert "\ufffd" not in text  # every glyph found
    assert certificate.display_id in text and "Ada Lovelace" in text
    # The Open Badges credential signed with it speaks the same language.
    achievement = badges.credential_payload(certificate.badge_jwt)["credentialSubject"]["achievement"]
    assert achievement["description"].startswith({"ja": "コース「", "ko": "코스 “"}[language])


@pytest.mark.parametrize(("language", "labels", "_issued_on"), PDF_LABELS)
def test_a_translated_pdf_still_verifies_as_authentic(client, language, labels, _issued_on, signing_issuer):  # noqa: F811
    learner = UserFactory(preferred_language=language)
    certificate = services.certificate_render_and_sign(certificate_id=_issue(learner=learner).pk)
    response = upload(client, pdf_bytes(certificate))
    assert response.status_code == 200
    assert "Authentic: this is the certificate we issued" in response.content.decode()


# What the verification page says about a valid and a revoked certificate, per language.
STATUS_WORDS = {
    "ja": {"valid": "有効", "revoked": "失効", "heading": "修了証", "holder": "保有者"},
    "ko": {"valid": "유효", "revoked": "폐지됨", "heading": "인증서", "holder": "보유자"},
}


@pytest.mark.parametrize("language", ["ja", "ko"])
def test_the_verification_page_answers_in_the_viewers_language(client, language):
    words = STATUS_WORDS[language]
    valid = CertificateFactory()
    revoked = CertificateFactory(status=Certificate.Status.REVOKED, revoked_at=ISSUED, revocation_reason="other")
    page = client.get(f"/verify/{valid.display_id}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in page
    assert f'cert-status-valid">{words["valid"]}</span>' in page
    assert f"<h1>{words['heading']} {valid.display_id}</h1>" in page
    assert f"<dt>{words['holder']}</dt>" in page
    page = client.get(f"/verify/{revoked.display_id}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'cert-status-revoked">{words["revoked"]}</span>' in page
    # The same page in English for a visitor who asks for it.
    english = client.get(f"/verify/{valid.display_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'cert-status-valid">Valid</span>' in english


@pytest.mark.parametrize(
    ("language", "not_found", "valid"),
    [("ja", "このIDの修了証はありません。", "有効"), ("ko", "이 ID를 가진 인증서가 없습니다.", "유효")],
)
def test_bulk_verification_and_lookup_errors_are_translated(client, language, not_found, valid):
    certificate = CertificateFactory()
    response = client.post(
        "/verify/bulk/",
        {"credential_ids": f"{certificate.display_id}\n{credential_id_format(credential_id_generate())}"},
        HTTP_ACCEPT_LANGUAGE=language,
        REMOTE_ADDR={"ja": "10.15.0.1", "ko": "10.15.0.2"}[
            language
        ],  # an address of its own: bulk checks are rate-limited
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<td>{valid}</td>" in page
    assert f"<td>{not_found}</td>" in page
    missing = client.get("/verify/", {"credential_id": "ZZZZ-ZZZZ-ZZZ"}, HTTP_ACCEPT_LANGUAGE=language)
    assert missing.status_code == 400
    assert ("資格情報IDは13文字です" if language == "ja" else "자격 증명 ID는 13자입니다") in missing.content.decode()


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("ja", "の修了証ができあがりました", "誰でもこちらで確認できます"),
        ("ko", "인증서가 준비되었습니다", "누구나 여기에서 확인할 수 있습니다"),
    ],
)
def test_the_issued_email_is_in_the_recipients_language(language, subject, body, signing_issuer):  # noqa: F811
    learner = UserFactory(preferred_language=language)
    certificate = services.certificate_finalize(certificate_id=_issue(learner=learner).pk)
    message = mail.outbox[-1]
    assert message.to == [learner.email]
    assert subject in message.subject
    assert body in message.body and certificate.display_id in message.body
    assert ("2028年12月1日" if language == "ja" else "2028년 12월 1일") in message.body  # the expiry, 24 months on
    html = message.alternatives[0][0]
    assert f'<html lang="{language}">' in html
    assert ("修了証を見る・共有する" if language == "ja" else "인증서 보기 및 공유") in html


def test_the_issued_email_follows_the_certificate_language_when_none_is_chosen(signing_issuer):  # noqa: F811
    learner = UserFactory(preferred_language="")
    services.certificate_finalize(certificate_id=_issue(learner=learner, language="ko").pk)
    assert "인증서가 준비되었습니다" in mail.outbox[-1].subject


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("ja", "の修了証の有効期限は", "更新に必要なのは変更された部分だけです"),
        ("ko", "인증서가", "갱신하려면 바뀐 부분만 하면 됩니다"),
    ],
)
def test_the_renewal_reminder_is_in_the_recipients_language(course_root, time_machine, language, subject, body):  # noqa: F811
    course = Course.objects.get(slug="demo-course")
    now = datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC)
    time_machine.move_to(now, tick=False)
    learner = UserFactory(preferred_language=language)
    expiring = CertificateFactory(
        learner=learner, course=course, course_version=course.version, issued_at=now, expires_at=now + 20 * DAY
    )
    assert recertification.renewal_reminders_send(now=now) == 1
    message = mail.outbox[-1]
    assert subject in message.subject and body in message.body
    assert ("2027年3月21日" if language == "ja" else "2027년 3월 21일") in message.subject
    assert f"/certificates/{expiring.display_id}/renew/" in message.body


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("ja", "メールアドレスを確認してください", "このメールアドレスで"),
        ("ko", "이메일 주소를 확인하세요", "이 주소로"),
    ],
)
def test_the_signup_confirmation_is_in_the_language_of_the_signup_page(client, language, subject, body):
    # One address per language: allauth sends one confirmation per address every few minutes.
    response = client.post(
        reverse("account_signup"),
        {
            "email": f"new.{language}@example.com",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert subject in message.subject
    assert body in message.body and "/accounts/confirm-email/" in message.body
    assert ("メールアドレスを確認する" if language == "ja" else "이메일 주소 확인하기") in message.alternatives[0][0]


def test_a_password_reset_goes_out_in_the_accounts_chosen_language(client):
    UserFactory(email="reader@example.com", preferred_language="ko")
    client.post(reverse("account_reset_password"), {"email": "reader@example.com"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "비밀번호 재설정을 요청했습니다" in mail.outbox[-1].body


def test_staff_and_holder_see_the_language_the_pdf_was_printed_in(staff_client):
    certificate = CertificateFactory(language="ko")
    page = staff_client.get(f"/certificates/manage/{certificate.display_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "<dt>PDF language</dt><dd>한국어 " in page.content.decode()
    staff_client.force_login(certificate.learner)
    listing = staff_client.get("/certificates/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<dt>PDFの言語</dt><dd>한국어</dd>" in listing
