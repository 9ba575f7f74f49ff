from accounts.api import PersonalDataSection

from .models import PlaygroundRun


def personal_data_sections(*, user_id: int) -> list[PersonalDataSection]:
    """The learner's "Try it" runs still kept (see playground_runs_prune), for their data export."""
    runs = PlaygroundRun.objects.filter(user_id=user_id).order_by("created_at", "id")
    return [
        PersonalDataSection(
            key="lesson_playground_runs",
            about="The prompts you ran from lessons' Try it boxes and the model's answers, while they are kept.",
            records=tuple(
                {
                    "lesson": run.lesson_path,
                    "system_prompt": run.system_prompt,
                    "prompt": run.prompt,
                    "state": run.state,
                    "answer": run.output,
                    "model": run.model,
                    "created_at": run.created_at,
                    "finished_at": run.finished_at,
                }
                for run in runs
            ),
        )
    ]
