from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ContentProblem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


@dataclass
class ContentReport:
    """Collects every problem in the tree so that one run shows them all."""

    root: Path
    errors: list[ContentProblem] = field(default_factory=list)
    warnings: list[ContentProblem] = field(default_factory=list)
    # Figures worth printing on every run (not problems), such as the bank's test-wise score.
    notes: list[str] = field(default_factory=list)

    def _relative(self, path: Path) -> Path:
        try:
            return path.resolve().relative_to(self.root.resolve().parent)
        except ValueError:
            return path

    def error(self, path: Path, line: int | None, message: str) -> None:
        self.errors.append(ContentProblem(self._relative(path), line, message))

    def warn(self, path: Path, line: int | None, message: str) -> None:
        self.warnings.append(ContentProblem(self._relative(path), line, message))

    def note(self, message: str) -> None:
        self.notes.append(message)


class ContentValidationError(Exception):
    def __init__(self, problems: list[ContentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
