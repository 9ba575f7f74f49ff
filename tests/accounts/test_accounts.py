import importlib
import re
import subprocess
import sys

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import user_set_role
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signup_requires_email_verification_before_login(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.com",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)

    client.logout()
    login = client.post(
        reverse("account_login"), {"login": "new.person@example.com", "password": "a-long-passphrase-9"}
    )
    assert login["Location"] == reverse("account_email_verification_sent")

    confirm_path = link.split("testserver", 1)[-1]
    client.post(confirm_path)
    user = User.objects.get(email="new.person@example.com")
    assert user.emailaddress_set.get().verified
    assert user.role == Role.LEARNER


def _sign_up(client, email: str):
    client.logout()
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )


def test_many_people_can_sign_up_and_each_username_is_the_address(client):
    # A long address too: the username holds as much as the e-mail field does.
    emails = ["first@example.com", "second@example.com", f"{'l' * 64}@{'d' * 60}.{'e' * 60}.example.com"]
    for email in emails:
        response = _sign_up(client, email)
        assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert dict(User.objects.values_list("email", "username")) == {email: email for email in emails}


def test_a_changed_address_moves_the_username_and_frees_the_old_address(client):
    from allauth.account.models import EmailAddress

    _sign_up(client, "old@example.com")
    person = User.objects.get(email="old@example.com")
    new = EmailAddress.objects.create(user=person, email="new@example.com", verified=True)
    # What allauth does once the new address is confirmed (ACCOUNT_CHANGE_EMAIL): make it primary,
    # saving only the user's `email`, and drop the old one.
    new.set_as_primary()
    EmailAddress.objects.filter(user=person).exclude(pk=new.pk).delete()
    person.refresh_from_db()
    assert person.email == person.username == "new@example.com"
    assert _sign_up(client, "old@example.com").status_code == 302
    assert User.objects.get(email="old@example.com").username == "old@example.com"


def test_the_migration_gives_every_account_its_address_as_username(db):
    from django.apps import apps

    usernames_follow_emails = importlib.import_module(
        "accounts.migrations.0005_username_mirrors_email"
    ).usernames_follow_emails
    blank, swapped_a, swapped_b = UserFactory(), UserFactory(), UserFactory()
    # As sign-up left them (blank), and as two address changes could: each holding the other's.
    User.objects.filter(pk=blank.pk).update(username="")
    User.objects.filter(pk=swapped_a.pk).update(username="#moving")
    User.objects.filter(pk=swapped_b.pk).update(username=swapped_a.email)
    User.objects.filter(pk=swapped_a.pk).update(username=swapped_b.email)
    usernames_follow_emails(apps, None)
    assert all(email == username for email, username in User.objects.values_list("email", "username"))


def test_staff_add_a_person_by_address_in_the_admin(client):
    staff = UserFactory(email="root@example.com", role=Role.STAFF, is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get("/admin/accounts/user/add/").status_code == 200
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.com",
            "usable_password": "true",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )
    added = User.objects.get(email="added@example.com")
    assert response.status_code == 302 and added.username == "added@example.com"
    change = client.get(f"/admin/accounts/user/{added.pk}/change/")
    assert change.status_code == 200 and 'name="email"' in change.content.decode()


@pytest.mark.parametrize("name", ["José Núñez", "王小明", "محمد عبد الله"])
def test_certificate_name_is_kept_exactly_in_any_script(learner_client, learner, name):
    response = learner_client.post(reverse("profile"), {"certificate_name": name})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.certificate_name == name
    page = learner_client.get(reverse("profile")).content.decode()
    assert f'value="{name}"' in page


def test_blank_certificate_name_is_refused_with_message(learner_client):
    response = learner_client.post(reverse("profile"), {"certificate_name": "   "})
    assert "Enter the name to print on your certificates." in response.content.decode()


def test_instructor_without_mfa_is_sent_to_set_it_up(client, instructor):
    client.force_login(instructor)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_instructor_with_mfa_reaches_pages(instructor_client):
    assert instructor_client.get(reverse("dashboard")).status_code == 200


def test_learner_does_not_need_mfa(learner_client):
    assert learner_client.get(reverse("dashboard")).status_code == 200


def test_admin_is_for_staff_with_mfa_only(client):
    staff = UserFactory(email="staff@example.com")
    user_set_role(user=staff, role=Role.STAFF)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    # Without a second factor, the role middleware sends staff to enrol one.
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))
    TOTP.activate(staff, generate_totp_secret())
    assert client.get("/admin/").status_code == 200


def test_learner_cannot_use_admin(learner_client):
    response = learner_client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_failed_logins_are_rate_limited(client, settings, learner):
    from django.core.cache import cache

    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    pages = [
        client.post(reverse("account_login"), {"login": learner.email, "password": "wrong-password"}).content.decode()
        for _ in range(4)
    ]
    assert all("Too many failed login attempts" not in page for page in pages[:3])
    assert "Too many failed login attempts" in pages[3]


def test_pages_carry_a_csp_with_nonce(client):
    response = client.get(reverse("courses:home"))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert f'nonce="{nonce}"' in response.content.decode()


def test_production_settings_refuse_to_start_without_secrets():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "Production settings need the environment variable SECRET_KEY" in result.stderr


def test_production_settings_refuse_test_mode():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "sqlite:////tmp/x.db",
        "XAI_API_KEY": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "XAI_API_KEY" in result.stderr


def test_password_reset_mail_leads_to_a_new_password(client, learner):
    client.post(reverse("account_reset_password"), {"email": learner.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "brand-new-passphrase-3", "password2": "brand-new-passphrase-3"},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("brand-new-passphrase-3")


def test_set_role_command_grants_staff_flag(learner):
    from django.core.management import call_command

    call_command("set_role", learner.email, "staff")
    learner.refresh_from_db()
    assert learner.role == Role.STAFF and learner.is_staff and learner.requires_mfa


@pytest.mark.parametrize("url", ["/demos/review/", "/certificates/manage/"])
def test_instructor_pages_refuse_learners(learner_client, url):
    assert learner_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/demos/review/", "/certificates/manage/"])
def test_instructor_pages_send_anonymous_visitors_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_lists_assessment_records_read_only(client):
    staff = UserFactory(email="support@example.com")
    user_set_role(user=staff, role=Role.STAFF)
    staff.is_superuser = True
    staff.save()
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    for path in [
        "/admin/assessments/attempt/",
        "/admin/assessments/submission/",
        "/admin/assessments/question/",
        "/admin/assessments/modelcallrecord/",
        "/admin/assessments/demoauditevent/",
        "/admin/assessments/attemptevent/",
        "/admin/assessments/exam/",
        "/admin/assessments/demotask/",
    ]:
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/assessments/attempt/add/").status_code == 403


def test_accounts_created_by_command_use_the_email_as_username(db):
    user = User.objects.create_user(email="kim@example.com", password="long-enough-pass-1")
    admin = User.objects.create_superuser(email="root@example.com", password="long-enough-pass-2")
    assert user.username == "kim@example.com" and user.role == Role.LEARNER
    assert admin.username == "root@example.com" and admin.role == Role.STAFF and admin.is_superuser
