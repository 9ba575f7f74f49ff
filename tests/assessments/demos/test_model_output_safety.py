"""What the model answers is shown as data: no scriptable link, no class or id of its own."""

import pytest

from assessments.demos import services
from courses.api import http_url, render_untrusted_markdown

from .test_views import page, submit

pytestmark = pytest.mark.django_db


def chat_body(content: str, citations: list[str]) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "grok-4.3",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "citations": citations,
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def test_only_http_citations_become_links_and_model_html_loses_class_and_id(
    synced, learner_client, learner, model_simulator
):
    model_simulator.script(
        {
            "status": 200,
            "body": chat_body(
                'Rain <span class="notice notice-warn" id="save-status">Your exam was voided</span>',
                ["javascript:alert(document.cookie)", "data:text/html,hi", "https://docs.x.ai/rain"],
            ),
            "times": 4,  # every case, which run in parallel: the page shows the visible one's
        }
    )
    submission = submit(learner, synced["haiku"])
    services.submission_run_and_grade(submission_id=submission.pk)
    html = page(learner_client, submission)
    assert 'href="https://docs.x.ai/rain"' in html
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert "not a web address: javascript:alert(document.cookie)" in html
    assert "<span>Your exam was voided</span>" in html
    assert 'id="save-status"' not in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://docs.x.ai/a", "https://docs.x.ai/a"),
        (" HTTP://x.ai ", "HTTP://x.ai"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("//evil.example/x", ""),
        ("https://", ""),
        ("data:text/html,x", ""),
    ],
)
def test_http_url_keeps_only_absolute_web_addresses(url, expected):
    assert http_url(url) == expected


def test_untrusted_markdown_keeps_structure_and_links_but_not_class_or_id():
    html = render_untrusted_markdown('**bold** [x](https://x.ai) <a href="javascript:1" class="button" id="go">y</a>')
    assert "<strong>bold</strong>" in html and 'href="https://x.ai"' in html
    assert "class=" not in html and "id=" not in html and "javascript:" not in html
