"""Instructor pages for judge calibration: the overview with staging, a configuration's
agreement report, and adding a reviewed submission to the calibration set."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.api import instructor_required
from assessments.models import JudgeConfiguration, Submission

from .. import selectors as demo_selectors
from . import presenters, selectors, services
from .forms import ExampleForm, StageForm


def _overview(request: HttpRequest, form: StageForm, status: int = 200) -> HttpResponse:
    tasks = [(task, selectors.examples_for_task(task=task).count()) for task in selectors.calibrated_tasks()]
    live = selectors.configuration_live()
    return render(
        request,
        "assessments/demos/calibration/overview.html",
        {
            "form": form,
            "live": live,
            "rubric_changed": live is not None and live.rubric_hash != selectors.rubric_digest(),
            "configurations": selectors.configuration_list()[:30],
            "tasks": tasks,
        },
        status=status,
    )


@instructor_required
@require_GET
def calibration_overview(request: HttpRequest) -> HttpResponse:
    return _overview(request, StageForm(initial={"model": settings.JUDGE_MODEL}))


@instructor_required
@require_POST
def configuration_stage(request: HttpRequest) -> HttpResponse:
    form = StageForm(request.POST)
    if not form.is_valid():
        return _overview(request, form, status=400)
    try:
        configuration = services.judge_configuration_stage(actor=request.user, **form.cleaned_data)
    except services.CalibrationRefused as refused:
        for field, errors in refused.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return _overview(request, form, status=400)
    messages.success(request, _("Staged: the judge now runs on every calibration example."))
    return redirect("demos:calibration_report", configuration.pk)


def _configuration_or_404(configuration_id: int) -> JudgeConfiguration:
    try:
        return selectors.configuration_get(configuration_id=configuration_id)
    except JudgeConfiguration.DoesNotExist as exc:
        raise Http404("No such judge configuration.") from exc


@instructor_required
@require_GET
def configuration_report(request: HttpRequest, configuration_id: int) -> HttpResponse:
    configuration = _configuration_or_404(configuration_id)
    pending = configuration.status in (JudgeConfiguration.Status.STAGED, JudgeConfiguration.Status.RUNNING)
    return render(
        request,
        "assessments/demos/calibration/report.html",
        {
            "configuration": configuration,
            "pending": pending,
            "done": selectors.configuration_progress(configuration=configuration),
            "reports": [] if pending else selectors.configuration_reports(configuration=configuration),
            "reasons": [presenters.reason_text(reason) for reason in configuration.result.get("reasons", [])],
            "audit": selectors.configuration_audit(configuration=configuration),
        },
    )


@instructor_required
def example_add(request: HttpRequest, submission_id: int) -> HttpResponse:
    try:
        submission = demo_selectors.submission_get(submission_id=submission_id)
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission.") from exc
    form = ExampleForm(
        request.POST or None,
        rubric=submission.task.spec.get("rubric", []),
        initial_labels=services.labels_suggested(submission),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.calibration_example_add_from_review(
                submission_id=submission.pk,
                instructor=request.user,
                labels=form.labels(),
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except services.CalibrationRefused as refused:
            for field, errors in refused.errors.items():
                target = f"label_{field}" if f"label_{field}" in form.fields else field
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        else:
            messages.success(request, _("Run %(id)s is in the calibration set of its task.") % {"id": submission.pk})
            return redirect("demos:review_detail", submission.pk)
    return render(
        request,
        "assessments/demos/calibration/add_example.html",
        {"submission": submission, "form": form},
        status=400 if request.method == "POST" else 200,
    )
