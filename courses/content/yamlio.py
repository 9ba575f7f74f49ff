"""YAML that remembers where each value came from, so errors can name the line."""

from pathlib import Path
from typing import Any

import yaml

from .errors import ContentReport


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            seen.add(key)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):
        sequence = LineList(super().construct_sequence(node, deep=True))
        sequence.line = node.start_mark.line + 1
        return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)


def _shift(value: Any, offset: int) -> Any:
    if isinstance(value, LineDict):
        value.line += offset
        value.key_lines = {key: line + offset for key, line in value.key_lines.items()}
        for item in value.values():
            _shift(item, offset)
    elif isinstance(value, LineList):
        value.line += offset
        for item in value:
            _shift(item, offset)
    return value


def parse_yaml(text: str, *, path: Path, report: ContentReport, line_offset: int = 0) -> Any | None:
    """Parse YAML text; on a syntax error record it with its line and return None."""
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem:
            message += f" ({exc.context} started on line {exc.context_mark.line + 1 + line_offset})"
        report.error(path, line, message)
        return None
    except yaml.YAMLError as exc:
        report.error(path, None, f"invalid YAML: {exc}")
        return None
    return _shift(data, line_offset)


def load_yaml_file(path: Path, report: ContentReport) -> LineDict | None:
    """A YAML file whose top level must be a mapping."""
    errors_before = len(report.errors)
    text = read_text(path, report)
    if text is None:
        return None
    data = parse_yaml(text, path=path, report=report)
    if data is None:
        if len(report.errors) == errors_before:
            report.error(path, 1, "the file is empty; a YAML mapping was expected")
        return None
    if not isinstance(data, LineDict):
        report.error(path, 1, "expected a YAML mapping at the top level")
        return None
    return data


def read_text(path: Path, report: ContentReport) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report.error(path, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        report.error(path, None, f"cannot be read: {exc.strerror}")
    return None


def split_front_matter(path: Path, report: ContentReport) -> tuple[LineDict, str, int] | None:
    """A Markdown file with YAML front matter between `---` lines.

    Returns the front matter, the body, and the file line on which the body starts.
    """
    text = read_text(path, report)
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        report.error(path, 1, "missing front matter: the file must start with a line '---'")
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            closing = index
            break
    else:
        report.error(path, 1, "front matter is not closed by a second line '---'")
        return None
    front_text = "".join(lines[1:closing])
    front = parse_yaml(front_text, path=path, report=report, line_offset=1)
    if front is None:
        if not front_text.strip():
            report.error(path, 2, "front matter is empty")
        return None
    if not isinstance(front, LineDict):
        report.error(path, 2, "front matter must be a YAML mapping")
        return None
    return front, "".join(lines[closing + 1 :]), closing + 2


def require_fields(data: LineDict, fields: dict[str, type | tuple], *, path: Path, report: ContentReport) -> bool:
    """Check presence and type of required keys; report each problem with its line."""
    ok = True
    for name, expected in fields.items():
        if name not in data or data[name] in (None, ""):
            report.error(path, data.line, f"missing required field '{name}'")
            ok = False
        elif not isinstance(data[name], expected) or (expected is int and isinstance(data[name], bool)):
            type_names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
            report.error(path, data.line_of(name), f"field '{name}' must be {type_names}")
            ok = False
    return ok
