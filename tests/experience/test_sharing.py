"""Sharing a certificate: copy-link and LinkedIn buttons on the learner's list, and a public
profile page per certificate that only its learner can turn on or off."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.certificates.conftest import issue, signing_issuer  # noqa: F401  (fixtures)
from tests.certificates.factories import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(learner):
    return CertificateFactory(learner=learner, pdf_sha256="0" * 64, test_mode=False)


def test_certificate_list_offers_copy_link_linkedin_and_the_profile_switch(learner_client, certificate):
    html = learner_client.get(reverse("certificates:list")).content.decode()
    assert f'data-copy="{certificate.verification_url}"' in html
    assert "Add to LinkedIn profile" in html
    assert "Turn the profile page on" in html


def test_profile_page_is_off_until_the_learner_turns_it_on(client, learner_client, certificate):
    profile_url = reverse("sharing:profile", args=[certificate.display_id])
    assert client.get(profile_url).status_code == 404
    learner_client.post(reverse("sharing:toggle", args=[certificate.display_id]), {"public": "on"})
    html = client.get(profile_url).content.decode()
    assert certificate.holder_name in html
    assert certificate.verification_url in html
    learner_client.post(reverse("sharing:toggle", args=[certificate.display_id]))
    assert client.get(profile_url).status_code == 404


def test_nobody_else_can_switch_a_learners_profile_page(client, certificate):
    client.force_login(UserFactory())
    response = client.post(reverse("sharing:toggle", args=[certificate.display_id]), {"public": "on"})
    assert response.status_code == 404
    assert Client().get(reverse("sharing:profile", args=[certificate.display_id])).status_code == 404


def test_test_mode_certificates_have_no_public_profile(learner_client, learner):
    certificate = CertificateFactory(learner=learner, pdf_sha256="0" * 64, test_mode=True)
    learner_client.post(reverse("sharing:toggle", args=[certificate.display_id]), {"public": "on"})
    assert learner_client.get(reverse("sharing:profile", args=[certificate.display_id])).status_code == 404


def test_learner_sees_a_picture_of_the_pdfs_first_page_and_nobody_else_does(issue, learner, learner_client, client):  # noqa: F811
    import io

    from PIL import Image

    certificate = issue(learner=learner)
    html = learner_client.get(reverse("certificates:list")).content.decode()
    preview_url = reverse("sharing:preview", args=[certificate.display_id])
    assert f'src="{preview_url}"' in html
    response = learner_client.get(preview_url)
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.width == 640 and image.width > image.height  # A4 landscape
    low, high = image.convert("L").getextrema()
    assert high - low > 100  # drawn, not blank
    client.force_login(UserFactory())
    assert client.get(preview_url).status_code == 404
