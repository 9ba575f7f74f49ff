"""This app's part of a course version snapshot (see `courses/versions.py`): a content
hash per published question and demo task, so a new version can tell what changed."""


def questions_manifest(course_id: int) -> dict:
    from assessments.models import Question

    rows = Question.objects.filter(course_id=course_id, is_published=True, current_version__isnull=False).values_list(
        "external_id", "current_version__content_hash", "current_version__lesson_ref", "current_version__domain"
    )
    return {
        external_id: {"hash": content_hash, "lesson": lesson, "domain": domain}
        for external_id, content_hash, lesson, domain in rows
    }


def demos_manifest(course_id: int) -> dict:
    from assessments.models import DemoTask

    # A task's version hashes its brief, reference and inputs: it changes with any of them.
    return dict(DemoTask.objects.filter(course_id=course_id, is_published=True).values_list("slug", "version"))
