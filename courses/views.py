from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django.views.static import serve as static_serve

from . import selectors, services
from .content.lessons import IMAGE_SUFFIXES
from .localization import content_language
from .models import Course, Lesson


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "courses/home.html", {"courses": selectors.course_list_published(language=content_language())}
    )


def catalog(request: HttpRequest) -> HttpResponse:
    return render(
        request, "courses/catalog.html", {"courses": selectors.course_list_published(language=content_language())}
    )


def _course_or_404(slug: str) -> Course:
    try:
        return selectors.course_get_published(slug=slug, language=content_language())
    except Course.DoesNotExist as exc:
        raise Http404("No such course.") from exc


def _lesson_or_404(course_slug: str, module_slug: str, lesson_slug: str) -> Lesson:
    try:
        return selectors.lesson_get_published(
            course_slug=course_slug, module_slug=module_slug, lesson_slug=lesson_slug, language=content_language()
        )
    except Lesson.DoesNotExist as exc:
        raise Http404("No such lesson.") from exc


def course_overview(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = _course_or_404(course_slug)
    return render(
        request,
        "courses/course.html",
        {
            "course": course,
            "time": selectors.course_time(course=course),
            "modules": selectors.module_list_with_lessons(course=course, language=content_language()),
            "completed_ids": selectors.completed_lesson_ids(user=request.user, course=course),
            "progress": selectors.course_progress(user=request.user, course=course),
        },
    )


@login_required
def course_resume(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = _course_or_404(course_slug)
    progress = selectors.course_progress(user=request.user, course=course)
    lesson = progress.resume_lesson or next(iter(selectors.lesson_sequence(course=course)), None)
    if lesson is None:
        return redirect("courses:course", course_slug)
    return redirect("courses:lesson", course_slug, lesson.module.slug, lesson.slug)


@vary_on_headers("HX-Request")
def lesson_detail(request: HttpRequest, course_slug: str, module_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = _lesson_or_404(course_slug, module_slug, lesson_slug)
    if request.user.is_authenticated:
        services.enrollment_record_visit(user=request.user, lesson=lesson)
    previous, following = selectors.lesson_neighbours(lesson=lesson)
    course = lesson.module.course
    return render(
        request,
        "courses/lesson.html",
        {
            "lesson": lesson,
            "course": course,
            "previous": previous,
            "next": following,
            "is_complete": lesson.pk in selectors.completed_lesson_ids(user=request.user, course=course),
            "progress": selectors.course_progress(user=request.user, course=course),
        },
    )


@login_required
@require_POST
@vary_on_headers("HX-Request")
def lesson_complete(request: HttpRequest, course_slug: str, module_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = _lesson_or_404(course_slug, module_slug, lesson_slug)
    services.lesson_mark_complete(user=request.user, lesson=lesson)
    if request.headers.get("HX-Request"):
        context = {
            "lesson": lesson,
            "course": lesson.module.course,
            "is_complete": True,
            "progress": selectors.course_progress(user=request.user, course=lesson.module.course),
        }
        return render(request, "courses/lesson.html#completion", context)
    return redirect("courses:lesson", course_slug, module_slug, lesson_slug)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "courses/dashboard.html",
        {
            "enrollments": selectors.enrollment_list_for_user(user=request.user, language=content_language()),
            "courses": selectors.course_list_published(language=content_language()),
        },
    )


def lesson_asset(request: HttpRequest, course_slug: str, module_slug: str, filename: str) -> HttpResponseBase:
    """A lesson image copied by sync_content: one file of an image type straight inside its
    module's folder under MEDIA_ROOT/content, nothing else of MEDIA_ROOT (certificates live there too)."""
    folder = (Path(settings.MEDIA_ROOT) / "content" / course_slug / module_slug).resolve()
    target = (folder / filename).resolve()
    if (
        filename.startswith(".")
        or Path(filename).suffix.lower() not in IMAGE_SUFFIXES
        or target.parent != folder
        or not target.is_file()
    ):
        raise Http404("No such lesson image.")
    return static_serve(request, target.name, document_root=str(folder))
