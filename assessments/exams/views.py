"""Exam, attempt, practice and instructor pages. Views parse, call a service or selector, render."""

import csv
import functools
import json
from collections.abc import Sequence
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.api import AuthenticatedRequest, instructor_required
from assessments.models.exams import Attempt, AttemptQuestion, Exam, PracticeAttempt, QuestionKind
from assessments.templatetags.exam_navigator import navigator_entries
from courses.api import ModuleInfo, content_language, course_get, course_get_by_id, lesson_reference_url, module_list

from . import selectors, services
from .forms import AccommodationForm, ResetForm
from .scoring import InvalidResponse, parse_ascii_int, score_fraction

PAGE_SIZE = 50
_MAX_POSITION = 10_000  # far above any exam's length; keeps a posted number inside the column's range


# --- helpers ----------------------------------------------------------------------------
def attempt_login_required(view):
    """login_required for the attempt's own endpoints, made safe for a session that expires mid-exam.

    A script's request (htmx autosave, the timer's status poll) gets a 401 with JSON naming the
    sign-in page, instead of a redirect it would follow and paste the sign-in page into the exam;
    the page's script keeps the unsent answers and asks the learner to sign in again. A plain
    form post is sent to sign in with the attempt page as `next`: after signing in the browser
    makes a GET there, where the answer or submit URL would only answer 405.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, attempt_id, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, attempt_id, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else reverse("exams:attempt", args=[attempt_id])
        login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        if request.headers.get("HX-Request") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(
                {
                    "error": "signed_out",
                    "message": gettext("Your session has ended. Sign in again to keep saving your answers."),
                    "login_url": login_url,
                },
                status=401,
            )
        return redirect(login_url)

    return wrapper


def _exam_or_404(course_slug: str, exam_slug: str) -> Exam:
    try:
        return selectors.exam_get_published(course_slug=course_slug, exam_slug=exam_slug)
    except Exam.DoesNotExist as exc:
        raise Http404("No such exam.") from exc


def _own_attempt_or_404(request: HttpRequest, attempt_id) -> Attempt:
    try:
        return selectors.attempt_get_for_user(public_id=attempt_id, user=request.user)
    except Attempt.DoesNotExist as exc:
        raise Http404("No such attempt.") from exc


def _own_current_attempt_or_404(request: HttpRequest, attempt_id, now) -> Attempt:
    """The learner's attempt as it stands at `now`: finalized first if its time and grace ran out."""
    return services.attempt_close_if_due(attempt=_own_attempt_or_404(request, attempt_id), now=now)


def _position(value, total: int) -> int:
    return parse_ascii_int(value, low=1, high=total) or 1


def _answer_target_or_404(request: AuthenticatedRequest, attempt_id, value) -> selectors.AnswerTarget:
    position = parse_ascii_int(value, low=1, high=_MAX_POSITION)
    try:
        if position is None:
            raise AttemptQuestion.DoesNotExist
        return selectors.attempt_answer_target(public_id=attempt_id, user_id=request.user.id, position=position)
    except AttemptQuestion.DoesNotExist as exc:
        raise Http404("No such question in this attempt.") from exc


class _AttemptUrls:
    """An attempt's own URLs for its templates (`urls.page`, `urls.answer`, …), each made at most
    once per response and only if the template uses it. Reversing was a noticeable part of the
    question page's cost, so each URL is reversed once per process for a placeholder attempt and
    then made by putting the attempt's id in its place. The navigator adds ?q= to `urls.page`."""

    _VIEWS = {
        "page": "attempt",
        "answer": "answer",
        "flag": "flag",
        "status": "status",
        "submit": "submit",
        "result": "result",
    }
    _PLACEHOLDER = "00000000-0000-0000-0000-00000000a77e"

    def __init__(self, public_id) -> None:
        self.public_id = public_id

    def __getattr__(self, name: str) -> str:
        if name not in self._VIEWS:
            raise AttributeError(name)
        url = _url_pattern(self._VIEWS[name], get_script_prefix(), get_urlconf()).replace(
            self._PLACEHOLDER, str(self.public_id)
        )
        setattr(self, name, url)  # the next use reads the attribute without coming here
        return url


@functools.lru_cache(maxsize=64)
def _url_pattern(view: str, script_prefix: str, urlconf: str | None) -> str:
    """The URL of one of an attempt's views for the placeholder attempt, under this prefix and URL configuration."""
    return reverse(f"exams:{view}", args=[_AttemptUrls._PLACEHOLDER], urlconf=urlconf)


def _raw_answer(kind: str, options: Sequence[dict], data) -> object:
    """The form's value for one question; ordering arrives as one position per item."""
    if kind == QuestionKind.MULTIPLE:
        return data.getlist("answer")
    if kind == QuestionKind.ORDERING:
        typed = {str(o["id"]): data.get(f"rank-{o['id']}", "").strip() for o in options}
        if not any(typed.values()):
            return None
        ranks = {
            option_id: rank
            for option_id, value in typed.items()
            if (rank := parse_ascii_int(value, low=1, high=len(options))) is not None
        }
        if len(ranks) != len(typed) or len(set(ranks.values())) != len(ranks):
            raise InvalidResponse(gettext("Give every item a different position."))
        return sorted(ranks, key=ranks.__getitem__)
    return data.get("answer")


def _question_context(slot, *, option_order, response) -> dict:
    """What a question page needs to show the learner's current answer in any kind."""
    text = getattr(slot, "question_text", None)
    by_id = {
        str(option["id"]): {**option, "html": text.option_html[str(option["id"])]} if text else option
        for option in slot.version.options
    }
    options = [by_id[option_id] for option_id in option_order if option_id in by_id]
    chosen = set(response) if isinstance(response, list) else {response}
    ranks = (
        {option_id: index for index, option_id in enumerate(response, start=1)}
        if (slot.version.kind == QuestionKind.ORDERING and isinstance(response, list))
        else {}
    )
    return {
        "options": [
            {
                **option,
                "checked": str(option["id"]) in {str(c) for c in chosen},
                "rank": ranks.get(str(option["id"]), ""),
            }
            for option in options
        ],
        "ordered": [by_id[str(i)] for i in response or () if str(i) in by_id] if ranks else [],
        "response": response,
        "positions": range(1, len(options) + 1),
    }


def _answer_fields(slot, question: dict) -> SafeString:
    """The question's inputs (`_answer_fields.html`) as the attempt page shows them.

    Every learner loads every question, and the inputs were the page's largest template
    (an ordering question renders a select per item with an option per position). What they
    show depends only on the question version, its position, the learner's option order and
    answer, and the active language, so each process keeps the HTML it rendered, keyed by
    all of those, including the options' text itself: a translated or corrected text is a
    different key, never a stale page."""
    key = json.dumps(
        [translation.get_language(), slot.version_id, slot.version.kind, slot.position, question],
        default=str,  # question["positions"] is a range
    )
    if (html := _ANSWER_FIELDS.get(key)) is None:
        html = render_to_string(
            "assessments/exams/_answer_fields.html", {"slot": slot, "question": question, "disabled": False}
        )
        if len(_ANSWER_FIELDS) >= _ANSWER_FIELDS_KEPT:
            _ANSWER_FIELDS.clear()  # simpler than least-recently-used, and safe between threads
        _ANSWER_FIELDS[key] = html
    return html


_ANSWER_FIELDS: dict[str, SafeString] = {}
_ANSWER_FIELDS_KEPT = 2000  # a few MB: twenty questions' answer states across a cohort's option orders


def _key_context(slot, *, course_slug: str) -> dict:
    """The correct answer, shaped like a learner's answer, and the lesson section that teaches it."""
    order = (
        [str(o["id"]) for o in slot.version.options]
        if slot.version.kind == QuestionKind.ORDERING
        else slot.option_order
    )
    return {
        "key": _question_context(slot, option_order=order, response=_key_response(slot.version)),
        "lesson_url": lesson_reference_url(course_slug=course_slug, reference=slot.version.lesson_ref),
    }


# --- course-level entry point -------------------------------------------------------------
def course_assessments(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = course_get(slug=course_slug)
    if course is None:
        raise Http404("No such course.")
    return render(
        request,
        "assessments/exams/course_assessments.html",
        {
            "course": course,
            "exams": selectors.exam_list_published(course_id=course.id),
            "modules": module_list(course_id=course.id, language=content_language()),
        },
    )


# --- exam and attempt lifecycle -------------------------------------------------------------
def exam_detail(request: HttpRequest, course_slug: str, exam_slug: str) -> HttpResponse:
    exam = _exam_or_404(course_slug, exam_slug)
    context = {
        "exam": exam,
        "is_certificate_exam": course_get_by_id(course_id=exam.course_id).certificate.exam_slug == exam.slug,
    }
    if request.user.is_authenticated:
        now = timezone.now()
        open_attempt = selectors.attempt_open_for(user=request.user, exam=exam)
        if open_attempt is not None:
            services.attempt_close_if_due(attempt=open_attempt, now=now)
        context |= {
            "eligibility": selectors.exam_eligibility(user=request.user, exam=exam, now=now),
            "attempts": selectors.attempt_list_for_user(user=request.user, exam=exam),
            "best": selectors.attempt_best(user_id=request.user.id, exam=exam),
        }
    return render(request, "assessments/exams/exam_detail.html", context)


@login_required
@require_POST
def exam_start(request: HttpRequest, course_slug: str, exam_slug: str) -> HttpResponse:
    exam = _exam_or_404(course_slug, exam_slug)
    try:
        attempt = services.attempt_start(user=request.user, exam=exam, now=timezone.now())
    except services.ExamNotAvailable as exc:
        messages.error(request, str(exc))
        return redirect("exams:exam", course_slug, exam_slug)
    return redirect("exams:attempt", attempt.public_id)


@login_required
@never_cache
def attempt_page(request: HttpRequest, attempt_id) -> HttpResponse:
    now = timezone.now()
    try:
        attempt = selectors.attempt_get_for_page(public_id=attempt_id, user=request.user)
    except Attempt.DoesNotExist as exc:
        raise Http404("No such attempt.") from exc
    attempt = services.attempt_close_if_due(attempt=attempt, now=now)
    if not attempt.is_open:
        return redirect("exams:result", attempt.public_id)
    navigator = selectors.attempt_navigator(attempt=attempt)
    slot = selectors.attempt_slot(
        attempt_id=attempt.id, position=_position(request.GET.get("q"), len(navigator)), language=content_language()
    )
    return render(
        request,
        "assessments/exams/attempt.html",
        {
            "attempt": attempt,
            "urls": _AttemptUrls(attempt.public_id),
            "exam": attempt.exam,
            "slots": navigator,
            "slot": slot,
            "status": selectors.attempt_status(attempt=attempt, now=now, navigator=navigator),
            "answer_fields": _answer_fields(
                slot, _question_context(slot, option_order=slot.option_order, response=slot.response)
            ),
            "in_grace": now >= attempt.deadline,
        },
    )


@attempt_login_required
@never_cache
@require_GET
def attempt_status(request: AuthenticatedRequest, attempt_id) -> JsonResponse:
    now = timezone.now()
    try:
        status = selectors.attempt_status_for_user(public_id=attempt_id, user_id=request.user.id, now=now)
    except Attempt.DoesNotExist as exc:
        raise Http404("No such attempt.") from exc
    if status.is_due(now):
        attempt = _own_current_attempt_or_404(request, attempt_id, now)
        status = selectors.attempt_status(attempt=attempt, now=now)
    return JsonResponse(status.as_json())


def _fragments(partial: str, context: dict, *, request: HttpRequest | None = None) -> HttpResponse:
    """One partial of the attempt page for htmx, plus the slot's navigator entry swapped out of band.

    Pass `request` only for a partial with a form (its CSRF token): without it the context
    processors do not run, which is most of the cost of an autosave's response."""
    urls = _AttemptUrls(context["attempt"].public_id)
    html = render_to_string(f"assessments/exams/attempt.html#{partial}", {**context, "urls": urls}, request=request)
    if (slot := context["slot"]) is not None:
        html += navigator_entries([slot], current_position=slot.position, page_url=urls.page, oob=True)
    return HttpResponse(html)


def _partial_response(attempt, slot, *, error: str = "", saved: bool = False) -> HttpResponse:
    return _fragments("save_status", {"attempt": attempt, "slot": slot, "error": error, "saved": saved})


@attempt_login_required
@require_POST
@vary_on_headers("HX-Request")
def attempt_answer(request: AuthenticatedRequest, attempt_id) -> HttpResponse:
    answering = _answer_target_or_404(request, attempt_id, request.POST.get("position"))
    # The target stands in for the attempt in templates and redirects: they use its public_id.
    attempt, position = answering, answering.position
    is_htmx = bool(request.headers.get("HX-Request"))
    try:
        saved = services.attempt_answer_save(
            attempt_id=answering.attempt_id,
            position=position,
            raw=_raw_answer(answering.kind, answering.options, request.POST),
            now=timezone.now(),
        )
    except services.AttemptClosedError as exc:
        if is_htmx:
            return _partial_response(attempt, None, error=str(exc))
        messages.error(request, str(exc))
        return redirect("exams:result", attempt.public_id)
    except InvalidResponse as exc:
        if is_htmx:
            slot = selectors.attempt_slot(attempt_id=answering.attempt_id, position=position)
            return _partial_response(attempt, slot, error=str(exc))
        messages.error(request, str(exc))
        return redirect(f"{reverse('exams:attempt', args=[attempt.public_id])}?q={position}")
    if is_htmx:
        return _partial_response(attempt, saved.slot, saved=True)
    target = {"next": position + 1, "prev": position - 1}.get(request.POST.get("go", ""), position)
    if request.POST.get("go") == "review":
        return redirect("exams:submit", attempt.public_id)
    messages.success(request, gettext("Answer to question %(position)s saved.") % {"position": position})
    return redirect(f"{reverse('exams:attempt', args=[attempt.public_id])}?q={max(target, 1)}")


@attempt_login_required
@require_POST
@vary_on_headers("HX-Request")
def attempt_flag(request: AuthenticatedRequest, attempt_id) -> HttpResponse:
    target = _answer_target_or_404(request, attempt_id, request.POST.get("position"))
    attempt, position = target, target.position
    try:
        slot = services.attempt_flag_set(
            attempt_id=target.attempt_id,
            position=position,
            flagged=request.POST.get("flagged") == "1",
            now=timezone.now(),
        )
    except services.AttemptClosedError as exc:
        messages.error(request, str(exc))
        return redirect("exams:result", attempt.public_id)
    if request.headers.get("HX-Request"):
        return _fragments("flag_form", {"attempt": attempt, "slot": slot}, request=request)
    return redirect(f"{reverse('exams:attempt', args=[attempt.public_id])}?q={position}")


@attempt_login_required
@never_cache
def attempt_submit(request: HttpRequest, attempt_id) -> HttpResponse:
    attempt = _own_attempt_or_404(request, attempt_id)
    now = timezone.now()
    if request.method == "POST":
        try:
            finalized = services.attempt_submit(attempt_id=attempt.id, now=now)
        except services.AttemptClosedError as exc:
            messages.error(request, str(exc))
        else:
            if not finalized:
                messages.info(request, gettext("This attempt had already been submitted; here is its result."))
        return redirect("exams:result", attempt.public_id)
    services.attempt_close_if_due(attempt=attempt, now=now)
    if not attempt.is_open:
        return redirect("exams:result", attempt.public_id)
    slots = selectors.attempt_slots(attempt=attempt)
    return render(
        request,
        "assessments/exams/submit_confirm.html",
        {
            "attempt": attempt,
            "urls": _AttemptUrls(attempt.public_id),
            "exam": attempt.exam,
            "status": selectors.attempt_status(attempt=attempt, now=now),
            "unanswered": [s for s in slots if not s.is_answered],
            "flagged": [s for s in slots if s.flagged],
        },
    )


@login_required
@never_cache
def attempt_result(request: AuthenticatedRequest, attempt_id) -> HttpResponse:
    now = timezone.now()
    attempt = _own_current_attempt_or_404(request, attempt_id, now)
    if attempt.is_open:
        return redirect("exams:attempt", attempt.public_id)
    exam = attempt.exam
    items = []
    slots = selectors.attempt_slots(attempt=attempt, language=content_language()) if attempt.is_finalized else []
    if exam.shows_answers_after_submit:
        for slot in slots:
            item = {"slot": slot, **_question_context(slot, option_order=slot.option_order, response=slot.response)}
            if exam.shows_correct_answers:
                item |= _key_context(slot, course_slug=exam.course.slug)
            items.append(item)
    course = course_get_by_id(course_id=exam.course_id)
    domains = course.metadata.get("domains") or {}
    return render(
        request,
        "assessments/exams/result.html",
        {
            "attempt": attempt,
            "exam": exam,
            "items": items,
            # Learners count questions, not points: "18 of 20 questions".
            "questions_total": len(slots),
            "questions_correct": sum(1 for slot in slots if slot.points_awarded == slot.version.points),
            "questions_partly": sum(1 for slot in slots if 0 < (slot.points_awarded or 0) < slot.version.points),
            "breakdown": [
                {"label": domains.get(name, name), **values} for name, values in attempt.domain_breakdown.items()
            ],
            "best": selectors.attempt_best(user_id=request.user.id, exam=exam),
            "is_certificate_exam": course.certificate.exam_slug == exam.slug,
            "eligibility": selectors.exam_eligibility(user=request.user, exam=exam, now=now),
        },
    )


def _key_response(version):
    """The key written the way a learner's answer is stored, to render the correct answer like an answer."""
    if version.kind == QuestionKind.SINGLE:
        return next(str(o["id"]) for o in version.options if o["correct"])
    if version.kind == QuestionKind.MULTIPLE:
        return [str(o["id"]) for o in version.options if o["correct"]]
    if version.kind == QuestionKind.ORDERING:
        return [str(o["id"]) for o in version.options]
    if version.kind == QuestionKind.TRUE_FALSE:
        return version.key["answer"]
    if version.kind == QuestionKind.NUMERIC:
        tolerance = version.key.get("tolerance", "0")
        return version.key["answer"] + (f" (± {tolerance})" if tolerance not in ("0", "0.0") else "")
    return ", ".join(version.key.get("accepted", [])) or version.key.get("pattern", "")


# --- practice ---------------------------------------------------------------------------------
def _module_or_404(course_slug: str, module_slug: str) -> tuple[int, ModuleInfo]:
    course = course_get(slug=course_slug)
    modules = module_list(course_id=course.id, language=content_language()) if course else []
    module = next((m for m in modules if m.slug == module_slug), None)
    if course is None or module is None:
        raise Http404("No such module.")
    return course.id, module


def practice_intro(request: HttpRequest, course_slug: str, module_slug: str) -> HttpResponse:
    course_id, module = _module_or_404(course_slug, module_slug)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            practice = services.practice_start(
                user=request.user, course_id=course_id, module=module, now=timezone.now()
            )
        except services.ExamNotAvailable as exc:
            messages.error(request, str(exc))
            return redirect("exams:practice", course_slug, module_slug)
        return redirect("exams:practice_attempt", practice.public_id)
    available = len(selectors.question_candidates(course_id=course_id, module_slug=module.slug))
    return render(
        request,
        "assessments/exams/practice_intro.html",
        {
            "module": module,
            "course_slug": course_slug,
            "size": min(module.practice_questions, available),
        },
    )


@login_required
@never_cache
def weak_spots(request: AuthenticatedRequest, course_slug: str) -> HttpResponse:
    """Mastery per domain, what to re-read, and a quiz aimed at the weakest areas."""
    course = course_get(slug=course_slug)
    if course is None:
        raise Http404("No such course.")
    if request.method == "POST":
        try:
            practice = services.practice_start_weak_spots(user=request.user, course_id=course.id, now=timezone.now())
        except services.ExamNotAvailable as exc:
            messages.info(request, str(exc))
            return redirect("exams:weak_spots", course_slug)
        return redirect("exams:practice_attempt", practice.public_id)
    overview = selectors.mastery_overview(user_id=request.user.id, course=course, now=timezone.now())
    return render(request, "assessments/exams/weak_spots.html", {"course": course, "overview": overview})


@login_required
@never_cache
def practice_attempt(request: HttpRequest, practice_id) -> HttpResponse:
    try:
        practice = selectors.practice_get_for_user(
            public_id=practice_id, user=request.user, language=content_language()
        )
    except PracticeAttempt.DoesNotExist as exc:
        raise Http404("No such practice quiz.") from exc
    slots = selectors.practice_slots(practice=practice, language=content_language())
    position = _position(request.POST.get("position") or request.GET.get("q"), len(slots))
    slot = slots[position - 1]
    error = ""
    if request.method == "POST":
        try:
            services.practice_answer(
                question=slot,
                raw=_raw_answer(slot.version.kind, slot.version.options, request.POST),
                now=timezone.now(),
            )
        except InvalidResponse as exc:
            error = str(exc)
        else:
            return redirect(f"{reverse('exams:practice_attempt', args=[practice.public_id])}?q={position}")
    answer = getattr(slot, "answer", None)
    context = {
        "practice": practice,
        "slots": slots,
        "slot": slot,
        "position": position,
        "error": error,
        "answer": answer,
        "question": _question_context(
            slot, option_order=slot.option_order, response=answer.response if answer else None
        ),
        "practice_title": gettext("Practice: %(title)s") % {"title": practice.module.title}
        if practice.module
        else gettext("Practice: your weak spots"),
        "practice_home_url": reverse("exams:practice", args=[practice.course.slug, practice.module.slug])
        if practice.module
        else reverse("exams:weak_spots", args=[practice.course.slug]),
        "answered": sum(1 for s in slots if hasattr(s, "answer")),
        "score": sum(s.answer.points_awarded for s in slots if hasattr(s, "answer")),
        "max_score": sum(s.version.points for s in slots),
    }
    if answer is not None:
        context["correct"] = (
            score_fraction(
                kind=slot.version.kind, options=slot.version.options, key=slot.version.key, response=answer.response
            )
            == 1
        )
        context |= _key_context(slot, course_slug=practice.course.slug)
    return render(request, "assessments/exams/practice_question.html", context)


# --- instructor tools ------------------------------------------------------------------------------
def _csv_safe(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; learner-typed names must not."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@instructor_required
def exam_results(request: HttpRequest, course_slug: str, exam_slug: str) -> HttpResponse:
    exam = _exam_or_404(course_slug, exam_slug)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{exam.slug}-results.csv"'
        writer = csv.writer(response)
        for row in selectors.exam_results_rows(exam=exam):
            writer.writerow([_csv_safe(value) for value in row])
        return response
    page = Paginator(selectors.exam_results(exam=exam), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/exams/manage_results.html", {"exam": exam, "page": page})


@instructor_required
def exam_items(request: HttpRequest, course_slug: str, exam_slug: str) -> HttpResponse:
    exam = _exam_or_404(course_slug, exam_slug)
    return render(
        request,
        "assessments/exams/manage_items.html",
        {
            "exam": exam,
            "stats": selectors.item_statistics(exam=exam),
            "threshold": selectors.POOR_DISCRIMINATION,
        },
    )


@instructor_required
def exam_accommodations(request: HttpRequest, course_slug: str, exam_slug: str) -> HttpResponse:
    exam = _exam_or_404(course_slug, exam_slug)
    form = AccommodationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        learner = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if learner is None:
            form.add_error("email", gettext("No learner has this e-mail address."))
        else:
            try:
                services.accommodation_set(
                    exam=exam,
                    user=learner,
                    extra_minutes=form.cleaned_data["extra_minutes"],
                    extra_attempts=form.cleaned_data["extra_attempts"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    now=timezone.now(),
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("Accommodation saved for %(email)s.") % {"email": learner.email})
                return redirect("exams:accommodations", course_slug, exam_slug)
    page = Paginator(selectors.accommodation_list(exam=exam), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/exams/manage_accommodations.html", {"exam": exam, "form": form, "page": page})


@instructor_required
def attempt_log(request: HttpRequest, attempt_id) -> HttpResponse:
    try:
        attempt = selectors.attempt_get(public_id=attempt_id)
    except Attempt.DoesNotExist as exc:
        raise Http404("No such attempt.") from exc
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attempt_reset(
                attempt_id=attempt.id, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("The attempt was reset; it no longer counts."))
            return redirect("exams:attempt_log", attempt.public_id)
    return render(
        request,
        "assessments/exams/manage_attempt_log.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "events": selectors.attempt_events(attempt=attempt),
            "form": form,
            "slots": selectors.attempt_slots(attempt=attempt),
            "remaining": selectors.attempt_remaining_seconds(attempt=attempt, now=timezone.now()),
        },
    )
