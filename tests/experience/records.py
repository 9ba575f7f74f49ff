"""Demo tasks written straight to the database for the path and funnel tests."""

from assessments.models import DemoTask
from tests.assessments.records import REQUIRED_DEMOS


def required_demo_tasks_create(*, course) -> list[DemoTask]:
    """The demo tasks the test course's certificate requires (tests.assessments.records.REQUIRED_DEMOS)."""
    return [
        DemoTask.objects.create(
            course=course,
            slug=slug,
            title=title,
            domain="prompting",
            modality="text",
            version="v1",
            spec={},
            brief_html="<p>Brief</p>",
            source_path=f"demos/{slug}/task.md",
        )
        for slug, title in REQUIRED_DEMOS
    ]
