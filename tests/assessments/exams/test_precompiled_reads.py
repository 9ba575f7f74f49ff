"""PrecompiledRecord (config.queries) on the exam's models: one row with its related instances."""

import uuid

import pytest
from django.db.models import F
from django.utils import timezone

from assessments.exams import services
from assessments.models.exams import AttemptQuestion
from config.queries import PrecompiledRecord
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_precompiled_record_attaches_its_related_instances(exam):
    record = PrecompiledRecord(
        lambda public_id, position: AttemptQuestion.objects.select_related("version", "attempt").filter(
            attempt__public_id=public_id, position=position
        ),
        public_id=uuid.UUID(int=1),
        position=32_000,
    )
    attempt = services.attempt_start(user=UserFactory(), exam=exam, now=timezone.now())
    expected = AttemptQuestion.objects.select_related("version", "attempt").get(attempt=attempt, position=2)
    slot = record.get(public_id=str(attempt.public_id), position=2)
    assert slot == expected and slot.version.options == expected.version.options
    assert slot.attempt.deadline == attempt.deadline and slot.response == expected.response
    with pytest.raises(AttemptQuestion.DoesNotExist):
        record.get(public_id=uuid.uuid4(), position=2)


def test_a_precompiled_record_sets_the_querysets_annotations(exam):
    record = PrecompiledRecord(
        lambda attempt_id: AttemptQuestion.objects.filter(attempt_id=attempt_id, position=3).annotate(
            kind_of_question=F("version__kind"), shown_position=F("position") + 100
        ),
        attempt_id=-1_000_003,
    )
    attempt = services.attempt_start(user=UserFactory(), exam=exam, now=timezone.now())
    slot = record.get(attempt_id=attempt.id)
    expected = AttemptQuestion.objects.select_related("version").get(attempt=attempt, position=3)
    assert (slot.kind_of_question, slot.shown_position) == (expected.version.kind, 103)
