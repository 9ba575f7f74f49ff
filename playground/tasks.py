from celery import shared_task


@shared_task(acks_late=True)
def playground_run(run_id: int) -> None:
    # Imported here: services imports this module to queue the task.
    from .services import playground_run_execute

    playground_run_execute(run_id=run_id)


@shared_task
def playground_runs_prune() -> int:
    from django.utils import timezone

    from .services import playground_runs_prune as prune

    return prune(now=timezone.now())
