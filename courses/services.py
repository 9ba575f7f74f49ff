from django.db import transaction

from .models import Enrollment, Lesson, LessonCompletion


def enrollment_record_visit(*, user, lesson: Lesson) -> Enrollment:
    """Remember the lesson as the place to resume the course."""
    enrollment, _ = Enrollment.objects.get_or_create(user=user, course=lesson.module.course)
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
    enrollment.save()
    return enrollment


def enrollment_ensure(*, user_id: int, course_id: int) -> None:
    """A learner who starts with the exam or a demo, without opening a lesson, is in the course
    too: the dashboard shows it with the path to the certificate."""
    Enrollment.objects.get_or_create(user_id=user_id, course_id=course_id)


def lesson_mark_complete(*, user, lesson: Lesson) -> LessonCompletion:
    """Idempotent: marking a completed lesson again changes nothing."""
    with transaction.atomic():
        enrollment_ensure(user_id=user.pk, course_id=lesson.module.course_id)
        completion, _ = LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    return completion
