"""Read-only admin views for support staff.

Questions, exams and demo tasks are edited in content/ and synced; grades, attempts and
audit events change only through the services that log them. So nothing here writes.
"""

from django.contrib import admin

from .models import DemoAuditEvent, DemoTask, ModelCallRecord, Submission
from .models.exams import Attempt, AttemptEvent, Exam, Question


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "course", "is_published")
    list_filter = ("course", "is_published")
    search_fields = ("external_id",)


@admin.register(Exam)
class ExamAdmin(ReadOnlyAdmin):
    list_display = ("slug", "course", "question_count", "time_limit_minutes", "pass_mark_percent", "is_published")


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "user", "exam", "number", "state", "score_percent", "passed", "test_mode")
    list_filter = ("state", "passed", "test_mode", "exam")
    search_fields = ("user__email", "public_id")


@admin.register(AttemptEvent)
class AttemptEventAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "kind", "at")
    list_filter = ("kind",)


@admin.register(DemoTask)
class DemoTaskAdmin(ReadOnlyAdmin):
    list_display = ("slug", "course", "modality", "version", "is_published")
    list_filter = ("modality", "is_published")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("id", "learner", "task", "state", "score", "passed", "test_mode", "created_at")
    list_filter = ("state", "passed", "test_mode", "task")
    search_fields = ("learner__email",)


@admin.register(ModelCallRecord)
class ModelCallRecordAdmin(ReadOnlyAdmin):
    list_display = ("submission", "step", "resolved_model", "latency_ms", "cost_usd")


@admin.register(DemoAuditEvent)
class DemoAuditEventAdmin(ReadOnlyAdmin):
    list_display = ("submission", "kind", "created_at")
    list_filter = ("kind",)
