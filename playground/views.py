from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.api import AuthenticatedRequest

from . import services
from .models import PlaygroundRun


def _run_json(run: PlaygroundRun, *, runs_left: int) -> dict:
    return {
        "id": run.pk,
        "state": run.state,
        "state_label": run.get_state_display(),
        "output": run.output,
        "error": gettext(run.error) if run.error else "",
        "model": run.model,
        "prompt_tokens": run.prompt_tokens,
        "output_tokens": run.output_tokens,
        "runs_left": runs_left,
    }


@login_required
@require_POST
def run_create(request: AuthenticatedRequest) -> JsonResponse:
    now = timezone.now()
    try:
        run = services.playground_run_create(
            user_id=request.user.pk,
            lesson_path=request.POST.get("lesson", ""),
            prompt=request.POST.get("prompt", ""),
            system_prompt=request.POST.get("system_prompt", ""),
            now=now,
        )
    except services.PlaygroundRefused as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    runs_left = services.playground_runs_left(user_id=request.user.pk, now=now)
    return JsonResponse(_run_json(run, runs_left=runs_left), status=201)


@login_required
@require_GET
def run_status(request: AuthenticatedRequest, run_id: int) -> JsonResponse:
    run = PlaygroundRun.objects.filter(pk=run_id, user=request.user).first()
    if run is None:
        raise Http404(gettext("No run of yours has this number."))
    runs_left = services.playground_runs_left(user_id=request.user.pk, now=timezone.now())
    return JsonResponse(_run_json(run, runs_left=runs_left))
