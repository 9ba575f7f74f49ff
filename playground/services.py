"""Running a lesson's "Try it" prompt: ungraded, through the platform's model client, with a small
hourly quota per learner so the box cannot become a free chat service."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from accounts.api import AffectedCredential
from assessments import api as assessments_api

from .models import PlaygroundRun
from .tasks import playground_run


class PlaygroundRefused(ValueError):
    pass


# Stored in English (the worker has no reader); marked so the status view can translate them.
_BUSY_TEXT = gettext_noop("The model is busy right now. Run it again in a minute; this run does not count against you.")
_FAILED_TEXT = gettext_noop("The model did not answer. Run it again in a minute.")


def playground_runs_left(*, user_id: int, now: datetime.datetime) -> int:
    """Runs left this hour; a run the busy platform turned away does not count, as its message says."""
    used = (
        PlaygroundRun.objects.filter(user_id=user_id, created_at__gt=now - datetime.timedelta(hours=1))
        .filter(counts_against_allowance=True)
        .count()
    )
    return max(0, settings.PLAYGROUND_RUNS_PER_HOUR - used)


def playground_run_create(
    *, user_id: int, lesson_path: str, prompt: str, system_prompt: str, now: datetime.datetime
) -> PlaygroundRun:
    prompt, system_prompt = prompt.strip(), system_prompt.strip()
    limit = settings.PLAYGROUND_PROMPT_MAX_CHARS
    if not prompt:
        raise PlaygroundRefused(gettext("Write a prompt to run."))
    if len(prompt) + len(system_prompt) > limit:
        raise PlaygroundRefused(
            gettext("Keep the prompt under %(limit)s characters; this one has %(length)s.")
            % {"limit": f"{limit:,}", "length": f"{len(prompt):,}"}
        )
    with transaction.atomic():
        # Counted under the learner's row lock so two quick clicks cannot both take the last run.
        get_user_model().objects.select_for_update().filter(pk=user_id).first()
        if playground_runs_left(user_id=user_id, now=now) <= 0:
            raise PlaygroundRefused(
                ngettext(
                    "You have used your %(count)s playground run for this hour; "
                    "try again later. The graded demos have their own allowance.",
                    "You have used your %(count)s playground runs for this hour; "
                    "try again later. The graded demos have their own allowance.",
                    settings.PLAYGROUND_RUNS_PER_HOUR,
                )
                % {"count": settings.PLAYGROUND_RUNS_PER_HOUR}
            )
        run = PlaygroundRun.objects.create(
            user_id=user_id, lesson_path=lesson_path[:300], prompt=prompt, system_prompt=system_prompt, created_at=now
        )
        transaction.on_commit(lambda: playground_run.delay(run.pk))
    return run


# What running a run writes: the outcome, never the prompt (see playground_run_execute).
_OUTCOME_FIELDS = (
    "state",
    "error",
    "counts_against_allowance",
    "output",
    "model",
    "prompt_tokens",
    "output_tokens",
    "cost_usd",
    "finished_at",
)


def playground_run_execute(*, run_id: int) -> PlaygroundRun | None:
    """Runs a queued run once; running it again changes nothing. None when the run is gone
    (its learner closed their account)."""
    with transaction.atomic():
        run = PlaygroundRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.state != PlaygroundRun.State.QUEUED:
            return run
        run.state = PlaygroundRun.State.RUNNING
        run.save(update_fields=["state"])
    try:
        reply = assessments_api.playground_complete(
            prompt=run.prompt,
            system_prompt=run.system_prompt,
            model=settings.PLAYGROUND_MODEL,
            max_output_tokens=settings.PLAYGROUND_MAX_OUTPUT_TOKENS,
        )
    except assessments_api.PlaygroundBusy:
        run.state, run.error, run.counts_against_allowance = PlaygroundRun.State.FAILED, _BUSY_TEXT, False
    except assessments_api.PlaygroundFailed:
        run.state, run.error = PlaygroundRun.State.FAILED, _FAILED_TEXT
    else:
        run.state = PlaygroundRun.State.DONE
        run.output = reply.refusal or reply.text
        run.model, run.prompt_tokens, run.output_tokens, run.cost_usd = (
            reply.model,
            reply.prompt_tokens,
            reply.output_tokens,
            reply.cost_usd,
        )
    run.finished_at = timezone.now()
    # Only the outcome is written, and only to a row that still exists: the learner may have
    # closed their account, deleting the run, while the model was answering.
    PlaygroundRun.objects.filter(pk=run.pk).update(**{field: getattr(run, field) for field in _OUTCOME_FIELDS})
    return run


def playground_runs_erase(*, user_id: int, now: datetime.datetime) -> list[AffectedCredential]:
    """The learner is closing their account: their runs, prompts and answers, are deleted,
    those still running included (the worker then finds nothing to write to). Withdraws no
    credential, so returns an empty list."""
    PlaygroundRun.objects.filter(user_id=user_id).delete()
    return []


def playground_runs_prune(*, now: datetime.datetime) -> int:
    """Deletes finished runs older than PLAYGROUND_RUN_RETENTION_DAYS; returns how many.

    A run holds what the learner typed and what the model said, and serves nothing once its
    answer was read: the hourly quota looks back one hour. A run still waiting or running is
    left alone whatever its age; running this twice deletes nothing more."""
    cutoff = now - datetime.timedelta(days=settings.PLAYGROUND_RUN_RETENTION_DAYS)
    deleted, _ = PlaygroundRun.objects.filter(
        created_at__lt=cutoff, state__in=[PlaygroundRun.State.DONE, PlaygroundRun.State.FAILED]
    ).delete()
    return deleted
