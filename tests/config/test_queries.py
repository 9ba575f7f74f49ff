"""PrecompiledQuery and PrecompiledRecord: SQL built once, run with each call's values."""

import pytest
from django.contrib.auth import get_user_model

from config.queries import PrecompiledQuery
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_a_precompiled_query_answers_each_call_with_its_own_values(django_assert_num_queries):
    first, second = UserFactory(email="first@example.com"), UserFactory(email="second@example.com")
    emails = PrecompiledQuery(
        lambda user_id, email: User.objects.filter(pk=user_id, email=email).values_list("email", "date_joined"),
        user_id=-1_000_001,
        email="placeholder@invalid",
    )
    with django_assert_num_queries(1):
        assert emails.first(user_id=first.pk, email="first@example.com") == ("first@example.com", first.date_joined)
    assert emails.first(user_id=second.pk, email="second@example.com")[0] == "second@example.com"
    assert emails.first(user_id=first.pk, email="second@example.com") is None


def test_a_placeholder_the_query_does_not_use_is_refused():
    unused = PrecompiledQuery(lambda user_id: User.objects.values_list("pk"), user_id=-1_000_002)
    with pytest.raises(ValueError, match="user_id"):
        unused.rows()
