"""`demos/<slug>/calibration.yaml`: a task's calibration set, labelled by instructors.

    prompts:                      # named learner prompts the examples share
      weak: {system_prompt: ..., user_prompt: ...}
    examples:
      - id: reference-all-cases   # unique in the file
        kind: good                # good | near-miss | attack | poor
        prompt: reference         # "reference" (the reference solution) or a name under prompts
        outputs:                  # the model's output per case, as in reference.yaml,
          example: reference      #   or "reference" for the reference's output on that case
          budget-app: {content: "- ..."}
        labels: {coverage: pass, audience: fail, ...}   # every rubric criterion
        note: Why an instructor labelled it so.

A file needs at least MIN_EXAMPLES examples, with near-misses and attacks among them.
Every problem is reported as `path:line: message`, like the rest of the content.
"""

import json
from pathlib import Path
from typing import Any

from courses.api import ContentReport, LineDict, load_yaml_file

KINDS = ("good", "near-miss", "attack", "poor")
LABELS = ("pass", "fail")
MIN_EXAMPLES = 12
REQUIRED_KINDS = ("near-miss", "attack")
_EXAMPLE_KEYS = {"id", "kind", "prompt", "outputs", "labels", "note"}
_PROMPT_KEYS = {"system_prompt", "user_prompt", "json_schema", "tools"}
_REFERENCE = "reference"


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _line(data: Any, key: str | None = None) -> int | None:
    if isinstance(data, LineDict):
        return data.line_of(key) if key else data.line
    return getattr(data, "line", None)


def output_results(output: dict) -> list[dict]:
    """A case's output as reference.yaml writes it ({content}, {content, citations} or
    {steps: [...]}) as the model results of its run, in the form `ModelResult.from_json` reads."""
    steps = output.get("steps") or [output]
    results = []
    for number, step in enumerate(steps):
        calls = [
            {
                "id": f"calibration_{number}_{index}",
                "name": str(call["name"]),
                "arguments": json.dumps(call.get("arguments") or {}),
            }
            for index, call in enumerate(step.get("tool_calls") or ())
        ]
        results.append(
            {
                "text": str(step.get("content", "")),
                "finish_reason": "tool_calls" if calls else "stop",
                "tool_calls": calls,
                "citations": [{"url": str(url), "title": ""} for url in output.get("citations") or ()]
                if number == len(steps) - 1
                else [],
            }
        )
    return results


def _output_errors(output: Any) -> str | None:
    if not isinstance(output, dict):
        return "an output is 'reference' or a mapping such as {content: ...}"
    steps = output.get("steps")
    if steps is None:
        return None if isinstance(output.get("content"), str) else "an output needs 'content' text or 'steps'"
    if not isinstance(steps, list) or not steps or not all(isinstance(step, dict) for step in steps):
        return "'steps' is a list of {tool_calls: [...]} steps ending with {content: ...}"
    for step in steps:
        for call in step.get("tool_calls") or ():
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                return "each tool call is {name, arguments}"
    return None if isinstance(steps[-1].get("content"), str) else "the last step needs 'content' text"


class _CalibrationParser:
    def __init__(
        self,
        path: Path,
        report: ContentReport,
        *,
        rubric_ids: list[str],
        cases: list[dict],
        learner_writes: list[str],
        reference: dict,
    ):
        self.path = path
        self.report = report
        self.rubric_ids = rubric_ids
        self.cases = {case["id"]: case for case in cases}
        self.learner_writes = learner_writes
        self.reference = reference

    def error(self, line: int | None, message: str) -> None:
        self.report.error(self.path, line, message)

    def parse(self) -> list[dict]:
        data = load_yaml_file(self.path, self.report)
        if data is None:
            return []
        for key in set(data) - {"prompts", "examples"}:
            self.error(data.line_of(key), f"unknown field '{key}' (expected prompts and examples)")
        prompts = self._prompts(data)
        raw = data.get("examples")
        if not isinstance(raw, list):
            self.error(data.line_of("examples") or 1, "'examples' must be a list of labelled examples")
            return []
        examples: list[dict] = []
        ids: set = set()
        for item in raw:
            example = self._example(item, prompts, ids, _line(item) or data.line_of("examples"))
            if example is not None:
                examples.append(example)
        if len(raw) < MIN_EXAMPLES:
            self.error(
                data.line_of("examples"),
                f"the calibration set has {len(raw)} example(s); at least {MIN_EXAMPLES} are needed",
            )
        kinds = {item.get("kind") for item in raw if isinstance(item, dict)}
        for kind in REQUIRED_KINDS:
            if kind not in kinds:
                self.error(data.line_of("examples"), f"the calibration set needs at least one '{kind}' example")
        return examples

    def _reference_prompt(self) -> dict:
        return {field: self.reference.get(field) for field in self.learner_writes}

    def _prompts(self, data: LineDict) -> dict[str, dict]:
        raw = data.get("prompts") or {}
        prompts: dict[str, dict] = {_REFERENCE: self._reference_prompt()}
        if not isinstance(raw, dict):
            self.error(data.line_of("prompts"), "'prompts' maps a name to {system_prompt, user_prompt, ...}")
            return prompts
        for name, prompt in raw.items():
            line = _line(raw, name)
            if name == _REFERENCE:
                self.error(line, "'reference' names the reference solution; give this prompt another name")
                continue
            if not isinstance(prompt, dict):
                self.error(line, f"prompt '{name}' must be a mapping such as {{system_prompt: ..., user_prompt: ...}}")
                continue
            for key in prompt:
                if key not in _PROMPT_KEYS:
                    self.error(_line(prompt, key), f"unknown prompt field '{key}'")
                elif key not in self.learner_writes:
                    self.error(
                        _line(prompt, key), f"prompt '{name}' sets '{key}', which this task's learner does not write"
                    )
            for key in ("system_prompt", "user_prompt"):
                if key in prompt and not isinstance(prompt[key], str):
                    self.error(_line(prompt, key), f"prompt '{name}': '{key}' is text")
            if not any(
                isinstance(prompt.get(key), str) and prompt[key].strip() for key in ("system_prompt", "user_prompt")
            ):
                self.error(line, f"prompt '{name}' needs a system_prompt or a user_prompt")
            prompts[str(name)] = {field: _plain(prompt.get(field)) for field in self.learner_writes}
        return prompts

    def _example(self, item: Any, prompts: dict, ids: set, line: int | None) -> dict | None:
        if not isinstance(item, dict):
            self.error(line, "each example is a mapping {id, kind, prompt, outputs, labels, note}")
            return None
        errors_before = len(self.report.errors)
        for key in set(item) - _EXAMPLE_KEYS:
            self.error(_line(item, key), f"unknown example field '{key}'")
        example_id = item.get("id")
        if not isinstance(example_id, str) or not example_id.strip() or len(example_id) > 60:
            self.error(line, "each example needs an 'id' (text, at most 60 characters)")
        elif example_id in ids:
            self.error(line, f"duplicate example id '{example_id}'")
        ids.add(example_id)
        kind = item.get("kind")
        if kind not in KINDS:
            self.error(_line(item, "kind") or line, f"example kind must be one of {', '.join(KINDS)}")
        prompt_name = item.get("prompt")
        if prompt_name not in prompts:
            known = ", ".join(sorted(prompts))
            self.error(_line(item, "prompt") or line, f"example prompt '{prompt_name}' is not defined (known: {known})")
        outputs = self._outputs(item, line)
        labels = self._labels(item, line)
        note = item.get("note", "")
        if not isinstance(note, str):
            self.error(_line(item, "note"), "an example's 'note' is text")
        if len(self.report.errors) > errors_before:
            return None
        return {
            "id": example_id,
            "kind": kind,
            "learner_prompt": prompts[prompt_name],
            "cases": [self.cases[case_id] for case_id in outputs],
            "outputs": outputs,
            "labels": labels,
            "note": note.strip(),
        }

    def _outputs(self, item: dict, line: int | None) -> dict[str, list[dict]]:
        raw = item.get("outputs")
        if not isinstance(raw, dict) or not raw:
            self.error(_line(item, "outputs") or line, "'outputs' maps at least one case id to the model's output")
            return {}
        outputs = {}
        reference_outputs = self.reference.get("outputs") or {}
        for case_id, output in raw.items():
            where = _line(raw, case_id) or line
            if case_id not in self.cases:
                self.error(where, f"'{case_id}' is not a case of this task")
                continue
            if output == _REFERENCE:
                output = reference_outputs.get(case_id)
            problem = _output_errors(output)
            if problem:
                self.error(where, f"case '{case_id}': {problem}")
                continue
            outputs[str(case_id)] = output_results(_plain(output))
        return outputs

    def _labels(self, item: dict, line: int | None) -> dict[str, str]:
        raw = item.get("labels")
        if not isinstance(raw, dict):
            self.error(_line(item, "labels") or line, "'labels' maps every rubric criterion to pass or fail")
            return {}
        for criterion in raw:
            if criterion not in self.rubric_ids:
                self.error(_line(raw, criterion), f"'{criterion}' is not a rubric criterion of this task")
        for criterion in self.rubric_ids:
            if criterion not in raw:
                self.error(_line(item, "labels") or line, f"no label for criterion '{criterion}'")
            elif raw[criterion] not in LABELS:
                self.error(_line(raw, criterion), f"label of '{criterion}' must be pass or fail")
        return {criterion: str(raw[criterion]) for criterion in self.rubric_ids if criterion in raw}


def calibration_parse(
    path: Path,
    report: ContentReport,
    *,
    rubric_ids: list[str],
    cases: list[dict],
    learner_writes: list[str],
    reference: dict,
) -> list[dict]:
    """The validated examples of one task's calibration.yaml (problems go to `report`)."""
    return _CalibrationParser(
        path, report, rubric_ids=rubric_ids, cases=cases, learner_writes=learner_writes, reference=reference
    ).parse()
