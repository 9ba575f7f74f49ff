"""The learner's path to a course's certificate, step by step, for the pages that show it.

Reads everything through `courses.api`, `assessments.api` and this app's own records; the
steps follow the course's `certificate.requires` block, so a step appears only when the
course asks for it (practice is shown as optional: it never counts).
"""

from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments import api as assessments_api
from courses import api as courses_api

from .models import Certificate


@dataclass(frozen=True)
class PathStep:
    key: str
    title: str
    # "done", "waiting" (result pending), "todo" or "next" (the first step still to do)
    state: str
    detail: str
    action_url: str
    action_label: str
    required: bool = True


@dataclass(frozen=True)
class CertificatePath:
    course_title: str
    steps: tuple[PathStep, ...]
    earned: bool
    certificate_url: str

    @property
    def required_done(self) -> int:
        return sum(1 for step in self.steps if step.required and step.state == "done")

    @property
    def required_total(self) -> int:
        return sum(1 for step in self.steps if step.required)


def _lessons_step(*, user_id: int | None, course: courses_api.CourseInfo, required: bool) -> PathStep:
    if user_id is None:
        lessons = courses_api.LessonsSummary(completed=0, total=0)
    else:
        lessons = courses_api.lessons_summary(user_id=user_id, course_id=course.id)
    return PathStep(
        key="lessons",
        title=_("Read the lessons") if not required else _("Complete every lesson"),
        state="done" if lessons.all_complete else "todo",
        detail=_("%(completed)d of %(total)d lessons complete")
        % {"completed": lessons.completed, "total": lessons.total}
        if user_id
        else _("Read at your own pace"),
        action_url=reverse("courses:resume", args=[course.slug]),
        action_label=_("Continue reading") if lessons.completed else _("Start the first lesson"),
        required=required,
    )


def _practice_step(*, user_id: int | None, course: courses_api.CourseInfo) -> PathStep | None:
    practice = assessments_api.practice_progress(user_id=user_id, course_id=course.id)
    if not practice.modules_total:
        return None
    done = practice.modules_practised >= practice.modules_total
    return PathStep(
        key="practice",
        title=_("Practise each module"),
        state="done" if done else "todo",
        detail=_("%(tried)d of %(total)d practice quizzes tried; they never count")
        % {"tried": practice.modules_practised, "total": practice.modules_total}
        if user_id
        else _("%(total)d untimed practice quizzes; they never count") % {"total": practice.modules_total},
        action_url=reverse("exams:practice", args=[course.slug, practice.next_module_slug])
        if practice.next_module_slug
        else reverse("exams:course", args=[course.slug]),
        action_label=_("Take a practice quiz"),
        required=False,
    )


def _score(percent: float | None) -> str:
    """As the result page shows it (up to two decimals): rounding 79.6% to "80%" would
    contradict a pass mark of 80% that the learner did not reach."""
    return floatformat(percent, "-2")


def _exam_step(*, user_id: int | None, course: courses_api.CourseInfo, exam_slug: str) -> PathStep:
    exam = assessments_api.exam_progress(user_id=user_id, course_id=course.id, exam_slug=exam_slug)
    if exam is None:
        return PathStep(
            key="exam",
            title=_("Pass the certification exam"),
            state="todo",
            detail=_("Not tried yet"),
            action_url=reverse("exams:exam", args=[course.slug, exam_slug]),
            action_label=_("Read about the exam"),
        )
    exam_url = reverse("exams:exam", args=[course.slug, exam.slug])
    left = max(exam.attempts_allowed - exam.attempts_used, 0)
    if exam.state == "passed":
        detail = _("Passed with %(score)s%%") % {"score": _score(exam.best_score_percent)}
        label = _("See your results")
    elif exam.state == "in_progress":
        detail, label = _("You have an attempt in progress"), _("Return to the exam")
        exam_url = reverse("exams:attempt", args=[exam.open_attempt_public_id])
    elif exam.state == "failed":
        detail = ngettext(
            "Best score so far %(score)s%%; %(left)d attempt left",
            "Best score so far %(score)s%%; %(left)d attempts left",
            left,
        ) % {"score": _score(exam.best_score_percent), "left": left}
        label = _("Review and try again")
    else:
        detail = ngettext("%(allowed)d attempt allowed", "%(allowed)d attempts allowed", exam.attempts_allowed) % {
            "allowed": exam.attempts_allowed
        }
        label = _("Read about the exam")
    return PathStep(
        key="exam",
        title=_("Pass the %(exam)s") % {"exam": exam.title.lower()} if exam.title else _("Pass the exam"),
        state="done" if exam.state == "passed" else "waiting" if exam.state == "in_progress" else "todo",
        detail=detail,
        action_url=exam_url,
        action_label=label,
    )


DEMO_STATES = {
    "passed": ("done", gettext_lazy("Passed"), gettext_lazy("See your result")),
    "waiting": (
        "waiting",
        gettext_lazy("Result on its way (grading or with a reviewer)"),
        gettext_lazy("See the status"),
    ),
    "failed": ("todo", gettext_lazy("Tried, not passed yet"), gettext_lazy("Read the feedback and try again")),
    "not_started": ("todo", gettext_lazy("Not tried yet"), gettext_lazy("Open the demo")),
}


def _demo_steps(*, user_id: int | None, course: courses_api.CourseInfo, slugs: list[str]) -> list[PathStep]:
    steps = []
    for demo in assessments_api.demo_progress_list(user_id=user_id, course_id=course.id, slugs=slugs):
        state, detail, label = DEMO_STATES[demo.state]
        shows_submission = demo.state in {"passed", "waiting"} and demo.latest_submission_id
        steps.append(
            PathStep(
                key=f"demo-{demo.slug}",
                title=_("Pass the demo “%(demo)s”") % {"demo": demo.title},
                state=state,
                detail=str(detail),
                action_url=reverse("demos:submission", args=[demo.latest_submission_id])
                if shows_submission
                else reverse("demos:task", args=[demo.slug]),
                action_label=str(label),
            )
        )
    return steps


def _mark_next(steps: list[PathStep]) -> tuple[PathStep, ...]:
    """The first required step still to do is the one the page points the learner to."""
    marked, pointed = [], False
    for step in steps:
        if not pointed and step.required and step.state == "todo":
            step, pointed = PathStep(**{**step.__dict__, "state": "next"}), True
        marked.append(step)
    return tuple(marked)


def certificate_path_get(*, user_id: int | None, course_id: int) -> CertificatePath | None:
    """None when the course awards no certificate. Without a user (a visitor), every step is still to do."""
    course = courses_api.course_get_by_id(course_id=course_id)
    requires = course.certificate
    if not requires.awards_certificate:
        return None
    steps = [_lessons_step(user_id=user_id, course=course, required=requires.all_lessons)]
    practice = _practice_step(user_id=user_id, course=course)
    exam = _exam_step(user_id=user_id, course=course, exam_slug=requires.exam_slug) if requires.exam_slug else None
    steps += [step for step in (practice, exam) if step]
    steps += _demo_steps(user_id=user_id, course=course, slugs=list(requires.demo_slugs))
    certificate = user_id and (
        Certificate.objects.filter(learner_id=user_id, course_id=course_id, status=Certificate.Status.VALID)
        .only("credential_id")
        .first()
    )
    return CertificatePath(
        course_title=course.title,
        steps=_mark_next(steps),
        earned=bool(certificate),
        certificate_url=reverse("certificates:list") if certificate else "",
    )
