import pytest

from tests.accounts.factories import InstructorFactory, UserFactory


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def instructor(db):
    return InstructorFactory()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(client, instructor):
    """An instructor with TOTP enrolled, as the platform requires for the role."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(instructor, generate_totp_secret())
    client.force_login(instructor)
    return client
