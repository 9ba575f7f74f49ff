import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.api import AuthenticatedRequest, instructor_required
from assessments.models import DemoAsset, DemoTask, Submission, SubmissionState
from courses.api import lesson_reference_url

from . import presenters, selectors, services
from .forms import DemoSubmissionForm, ReviewForm

_PAGE_SIZE = 20


def _task_or_404(slug: str) -> DemoTask:
    try:
        return selectors.task_get_published(slug=slug)
    except DemoTask.DoesNotExist as exc:
        raise Http404("No such demo.") from exc


def _own_submission_or_404(request: HttpRequest, submission_id: int) -> Submission:
    try:
        return selectors.submission_get_for_learner(submission_id=submission_id, learner=request.user)
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission.") from exc


@login_required
def demo_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.task_list_published(), _PAGE_SIZE).get_page(request.GET.get("page"))
    best = selectors.best_by_task(learner=request.user)
    return render(
        request,
        "assessments/demos/list.html",
        {
            "page": page,
            "rows": [(task, best.get(task.pk)) for task in page],
        },
    )


@login_required
def task_detail(request: AuthenticatedRequest, task_slug: str) -> HttpResponse:
    task = _task_or_404(task_slug)
    form = DemoSubmissionForm(request.POST or None, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submission_create(learner=request.user, task=task, **form.cleaned_data)
        except services.SubmissionRefused as refused:
            for field, errors in refused.errors.items():
                for error in errors:
                    form.add_error(None if field == "__all__" or field not in form.fields else field, error)
        else:
            return redirect("demos:submission", submission.pk)
    history = Paginator(selectors.submission_list_for_learner(learner=request.user, task=task), 10)
    return render(
        request,
        "assessments/demos/task.html",
        {
            "task": task,
            "form": form,
            "inputs": presenters.task_inputs(task),
            "quota_left": selectors.quota_remaining(learner=request.user, task=task),
            "history": history.get_page(request.GET.get("page")),
            "lesson_url": lesson_reference_url(course_slug=task.course.slug, reference=task.lesson_ref)
            if task.lesson_ref
            else "",
            "task_tools": json.dumps(task.spec["tools"], indent=2) if task.spec.get("tools") else "",
            "reference": presenters.reference_view(task) if request.user.is_instructor else [],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def task_input(request: HttpRequest, task_slug: str, filename: str) -> HttpResponse:
    task = _task_or_404(task_slug)
    item = next((entry for entry in task.inputs if entry["file"] == filename), None)
    if item is None:
        raise Http404("No such input.")
    if item["as"] == "image":
        asset = DemoAsset.objects.get(sha256=item["sha256"])
        response = HttpResponse(bytes(asset.data), content_type=asset.mime)
    else:
        response = HttpResponse(item["text"], content_type=f"{item['mime']}; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _status_context(submission: Submission, view: selectors.SubmissionView | None = None) -> dict:
    view = view or selectors.submission_view(submission=submission)
    return {
        "view": view,
        "result": presenters.result(view),
        "fingerprint": view.fingerprint,
        "polling": submission.state in {SubmissionState.QUEUED, SubmissionState.RUNNING},
    }


@login_required
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = _own_submission_or_404(request, submission_id)
    return render(
        request,
        "assessments/demos/submission.html",
        {
            "submission": submission,
            "learner_json": presenters.learner_json(submission),
            **_status_context(submission),
        },
    )


@login_required
@require_GET
@vary_on_headers("HX-Request", "Accept")
def submission_status(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The live state: an HTML fragment for htmx polling, JSON for everything else."""
    submission = _own_submission_or_404(request, submission_id)
    view = selectors.submission_view(submission=submission)
    if request.headers.get("HX-Request") and request.GET.get("v") == view.fingerprint:
        # Nothing changed: htmx keeps the fragment and polls again, and the output is not rendered for nothing.
        return HttpResponse(status=204)
    context = {"submission": submission, **_status_context(submission, view)}
    if request.headers.get("HX-Request"):
        return render(request, "assessments/demos/submission.html#status", context)
    html = render_to_string("assessments/demos/submission.html#status", context, request=request)
    return JsonResponse(
        {
            "id": submission.pk,
            "state": submission.state,
            "state_label": submission.get_state_display(),
            "done": not context["polling"],
            "score": submission.score,
            "passed": submission.passed,
            "test_mode": submission.test_mode,
            "error": submission.error_message,
            "html": html,
        }
    )


@login_required
@require_POST
def submission_retry(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = _own_submission_or_404(request, submission_id)
    try:
        services.submission_retry(submission_id=submission.pk, learner=request.user)
    except services.SubmissionRefused as refused:
        messages.error(request, str(refused))
    return redirect("demos:submission", submission.pk)


# --- instructors ---------------------------------------------------------------------------


@instructor_required
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.review_queue(reviewer_id=request.user.pk), _PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/demos/review_queue.html", {"page": page})


@instructor_required
def review_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    try:
        submission = selectors.submission_get(submission_id=submission_id)
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission.") from exc
    form = ReviewForm(request.POST or None)
    context = _status_context(submission)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_decide(submission_id=submission.pk, instructor=request.user, **form.review_arguments())
        except services.SubmissionRefused as refused:
            for field, errors in refused.errors.items():
                target = {"score": "score_percent"}.get(field, field)
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        else:
            messages.success(
                request, gettext("Decision recorded for submission %(number)s.") % {"number": submission.pk}
            )
            return redirect("demos:review")
    return render(
        request,
        "assessments/demos/review_detail.html",
        {
            "submission": submission,
            "form": form,
            "audit": selectors.audit_events(submission=submission),
            "learner_json": presenters.learner_json(submission),
            "reference": presenters.reference_view(submission.task),
            "cases": presenters.cases_for_review(context["view"]),
            **context,
            "injection": json.dumps(context["view"].grade.injection, indent=2) if context["view"].grade else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@instructor_required
def review_tasks(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.task_list_for_regrade(), _PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/demos/review_tasks.html", {"page": page})


@instructor_required
@require_POST
def task_regrade(request: HttpRequest, task_id: int) -> HttpResponse:
    count = services.task_regrade(task_id=task_id, instructor=request.user)
    messages.success(
        request,
        ngettext(
            "Queued %(count)s re-grade: only the judge runs again, on the stored outputs.",
            "Queued %(count)s re-grades: only the judge runs again, on the stored outputs.",
            count,
        )
        % {"count": count},
    )
    return redirect("demos:review_tasks")
