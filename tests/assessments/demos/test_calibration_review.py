"""Adding a reviewed submission to its task's calibration set, from the review detail page."""

import pytest
from django.urls import reverse

from assessments.demos import services
from assessments.demos.calibration.services import CalibrationRefused, calibration_example_add_from_review
from assessments.models import CalibrationAuditEvent, CalibrationExample, Submission

from .test_review import INJECTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(synced, learner, model_simulator) -> Submission:
    submission = services.submission_create(learner=learner, task=synced["haiku"], **INJECTED)
    services.submission_run_and_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.state == "needs_review"
    return submission


def test_the_review_page_links_to_the_calibration_form_with_the_judges_verdicts_filled_in(in_review, instructor_client):
    detail = instructor_client.get(reverse("demos:review_detail", args=[in_review.pk])).content.decode()
    url = reverse("demos:calibration_add", args=[in_review.pk])
    assert f'href="{url}"' in detail and "Add to calibration set" in detail
    form = instructor_client.get(url).content.decode()
    assert "Criterion form" in form and "The answer is a haiku." in form
    # The judge passed every criterion on every case: "pass" is pre-selected for both.
    for criterion in ("form", "topic"):
        assert f'name="label_{criterion}" value="pass" id="id_label_{criterion}_0" required checked' in form


def test_adding_copies_the_case_outputs_and_keeps_the_instructors_labels(in_review, instructor_client, instructor):
    url = reverse("demos:calibration_add", args=[in_review.pk])
    response = instructor_client.post(
        url, {"label_form": "pass", "label_topic": "fail", "kind": "attack", "note": "Asks for full marks."}
    )
    assert response.status_code == 302 and response["Location"] == reverse("demos:review_detail", args=[in_review.pk])
    example = CalibrationExample.objects.get(task=in_review.task)
    assert (example.key, example.source, example.kind) == (f"review:{in_review.pk}", "review", "attack")
    assert example.labels == {"form": "pass", "topic": "fail"} and example.labelled_by == instructor
    assert set(example.outputs) == {"example", "snow", "wind", "fog"}
    assert [case["id"] for case in example.cases] == ["example", "snow", "wind", "fog"]
    assert "full marks" in example.learner_prompt["user_prompt"]
    event = CalibrationAuditEvent.objects.get(example=example)
    assert event.kind == "example_added" and event.actor == instructor and event.detail["relabelled"] is False
    # Labelling the same run again relabels it, with a second audit entry.
    instructor_client.post(url, {"label_form": "fail", "label_topic": "fail", "kind": "attack", "note": ""})
    example.refresh_from_db()
    assert example.labels == {"form": "fail", "topic": "fail"} and CalibrationExample.objects.count() == 1
    assert CalibrationAuditEvent.objects.filter(example=example).count() == 2


def test_missing_or_invalid_labels_are_refused_without_a_500(in_review, instructor_client):
    url = reverse("demos:calibration_add", args=[in_review.pk])
    response = instructor_client.post(url, {"label_form": "maybe", "kind": "nonsense"})
    assert response.status_code == 400 and not CalibrationExample.objects.exists()
    assert "Select a valid choice" in response.content.decode()
    assert instructor_client.get(reverse("demos:calibration_add", args=[999999])).status_code == 404


def test_learners_cannot_add_to_the_calibration_set(in_review, learner_client):
    url = reverse("demos:calibration_add", args=[in_review.pk])
    assert learner_client.get(url).status_code == 403
    assert learner_client.post(url, {"label_form": "pass", "label_topic": "pass", "kind": "good"}).status_code == 403
    assert not CalibrationExample.objects.exists()


def test_a_submission_that_is_not_graded_cannot_join(synced, learner, instructor):
    submission = services.submission_create(learner=learner, task=synced["haiku"], **INJECTED)
    with pytest.raises(CalibrationRefused, match="Only a graded submission"):
        calibration_example_add_from_review(
            submission_id=submission.pk, instructor=instructor, labels={"form": "pass", "topic": "pass"}, kind="good"
        )


def test_an_instructor_cannot_label_their_own_submission(synced, instructor, model_simulator):
    from accounts.models import AccountEvent

    own = services.submission_create(learner=instructor, task=synced["haiku"], **INJECTED)
    services.submission_run_and_grade(submission_id=own.pk)
    with pytest.raises(CalibrationRefused, match="own"):
        calibration_example_add_from_review(
            submission_id=own.pk, instructor=instructor, labels={"form": "pass", "topic": "pass"}, kind="good"
        )
    assert not CalibrationExample.objects.exists()
    assert AccountEvent.objects.filter(user=instructor, kind=AccountEvent.Kind.OWN_RECORD_REFUSED).exists()
