"""JSON nested hundreds of levels deep, from a learner or from the model, is refused, never a 500."""

import json

import pytest
from django.urls import reverse

from assessments.demos.validation import tools_errors
from assessments.grading.checks import RunTranscript, check_run, schema_error
from assessments.grading.judge import Criterion, VerdictError, verdict_parse
from assessments.json_limits import MAX_DEPTH
from assessments.modelapi.types import ToolCall
from assessments.models import Submission


def nested_schema(levels: int) -> str:
    """A valid-looking JSON Schema whose properties nest `levels` objects deep."""
    return '{"type": "object", "properties": {"a": ' * levels + '{"type": "string"}' + "}}" * levels


def nested_array(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


@pytest.mark.django_db
@pytest.mark.parametrize(
    "schema",
    [nested_schema(400), '{"a":' * 3000 + "1" + "}" * 3000],  # the second is too deep for json.loads itself
    ids=["schema-400", "objects-3000"],
)
def test_a_deeply_nested_learner_schema_is_refused_with_a_message(synced, learner_client, schema):
    response = learner_client.post(
        reverse("demos:task", args=["invoice"]), {"system_prompt": "s", "user_prompt": "u", "json_schema": schema}
    )
    assert response.status_code == 400
    assert f"at most {MAX_DEPTH} levels of nesting" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_deeply_nested_tool_parameter_schema_is_refused():
    parameters = json.loads(nested_schema(MAX_DEPTH))
    errors = tools_errors([{"type": "function", "function": {"name": "deep", "parameters": parameters}}])
    assert errors == [f"tool 1: invalid JSON Schema at the top level: it is nested more than {MAX_DEPTH} levels deep"]


def test_a_schema_within_the_depth_limit_is_still_accepted():
    assert schema_error(json.loads(nested_schema(20))) is None


@pytest.mark.parametrize("levels", [400, 3000])
def test_deep_model_output_fails_the_json_checks_with_a_reason(levels):
    run = RunTranscript(text=nested_array(levels))
    for spec in ({"kind": "is_json"}, {"kind": "json_schema", "schema": {"type": "array", "items": {"$ref": "#"}}}):
        result = check_run(spec, run)
        assert not result.passed and f"nested more than {MAX_DEPTH} levels deep" in result.detail


def test_deep_tool_arguments_fail_the_argument_check_with_a_reason():
    run = RunTranscript(text="", tool_calls=(ToolCall(id="c1", name="f", arguments=nested_array(3000)),))
    result = check_run({"kind": "tool_called", "name": "f", "arguments_schema": {"type": "array"}}, run)
    assert not result.passed and "not JSON" in result.detail


def test_a_deep_judge_verdict_is_a_verdict_error():
    with pytest.raises(VerdictError):
        verdict_parse(nested_array(3000), [Criterion(id="x", weight=1, description="d")])
