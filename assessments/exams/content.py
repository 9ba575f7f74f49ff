"""The `questions/` and `exams/` sections of a course folder (format: content/README.md).

Parsing validates everything and reports `path:line: message`; applying upserts
questions as new immutable versions when their content changed, and exams by slug.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from assessments.exams.lint import GUESSER_LIMIT, LintItem, bank_lint
from assessments.models.exams import QuestionKind, ReviewPolicy
from courses.api import (
    ChangeLog,
    ContentReport,
    CourseRef,
    CourseSource,
    LineDict,
    load_yaml_file,
    record_upsert,
    records_unpublish_missing,
    render_inline_markdown,
    require_fields,
    source_files,
    source_text_hash,
    translation_file,
    translation_language_problem,
    translation_source_hash_problem,
    translation_stale_message,
    translations_upsert,
)

KINDS = set(QuestionKind.values)
DIFFICULTIES = ("easy", "medium", "hard")
MULTIPLE_SCORING = ("all_or_nothing", "partial")
_LESSON_REF = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/([a-z0-9]+(?:-[a-z0-9]+)*)#(\S+)$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_QUESTION_FIELDS = {
    "id",
    "kind",
    "domain",
    "difficulty",
    "points",
    "lesson",
    "stem",
    "explanation",
    "options",
    "scoring",
    "answer",
    "tolerance",
    "accepted",
    "pattern",
}
_EXAM_DEFAULTS = {
    "attempts_allowed": 1,
    "cooldown_hours": 0,
    "grace_seconds": 30,
    "shuffle_questions": True,
    "shuffle_options": True,
    "review": ReviewPolicy.SCORE_ONLY.value,
}


@dataclass(frozen=True)
class QuestionSource:
    external_id: str
    kind: str
    domain: str
    difficulty: str
    points: Decimal
    lesson_ref: str
    module_slug: str
    stem: str
    explanation: str
    options: tuple[dict, ...]
    key: dict
    path: str
    line: int

    def content(self) -> dict:
        """Everything a learner sees or is scored on; its hash decides whether a new version is made."""
        return {
            "kind": self.kind,
            "domain": self.domain,
            "difficulty": self.difficulty,
            "points": str(self.points),
            "lesson": self.lesson_ref,
            "stem": self.stem,
            "explanation": self.explanation,
            "options": list(self.options),
            "key": self.key,
        }

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.content(), sort_keys=True).encode()).hexdigest()

    @property
    def text_hash(self) -> str:
        """What a translation's `source_hash` records: the English stem, explanation and option texts."""
        return question_source_hash(
            stem=self.stem, explanation=self.explanation, options=[(o["id"], o["text"]) for o in self.options]
        )


def question_source_hash(*, stem: str, explanation: str, options) -> str:
    return source_text_hash(stem.strip(), explanation.strip(), [[str(i), text.strip()] for i, text in options])


@dataclass(frozen=True)
class QuestionTranslationSource:
    external_id: str
    language: str
    stem: str
    explanation: str
    option_text: dict
    source_hash: str
    is_current: bool


@dataclass(frozen=True)
class ExamSource:
    slug: str
    title: str
    question_count: int
    time_limit_minutes: int
    blueprint: dict
    pass_mark_percent: Decimal
    attempts_allowed: int
    cooldown_hours: Decimal
    grace_seconds: int
    shuffle_questions: bool
    shuffle_options: bool
    review: str


@dataclass(frozen=True)
class ExamBank:
    questions: tuple[QuestionSource, ...] = field(default_factory=tuple)
    exams: tuple[ExamSource, ...] = field(default_factory=tuple)
    translations: tuple[QuestionTranslationSource, ...] = field(default_factory=tuple)


def lint_items(questions: list[QuestionSource] | tuple[QuestionSource, ...]) -> list[LintItem]:
    """The choice questions of a parsed bank, in the shape the psychometric lint reads."""
    return [
        LintItem(
            external_id=question.external_id,
            domain=question.domain,
            kind=question.kind,
            stem=question.stem,
            options=tuple((option["text"], option["correct"]) for option in question.options),
            where=f"{question.path}:{question.line}",
        )
        for question in questions
        if question.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ExamBankSection:
    name = "exam_bank"

    def parse(self, source: CourseSource, report: ContentReport, parsed: dict[str, Any]) -> ExamBank:
        lessons = parsed.get("lessons")
        anchors = lessons.anchors() if lessons is not None else {}
        domains = source.spec.get("domains")
        domain_keys = set(domains) if isinstance(domains, dict) else set()
        questions = self._parse_questions(source.directory / "questions", domain_keys, anchors, source, report)
        translations = self._parse_translations(source.directory / "questions", questions, report)
        exams = self._parse_exams(source.directory / "exams", domain_keys, questions, report)
        self._lint_bank(source, questions, report)
        self._check_certificate_exam(source, exams, report)
        return ExamBank(questions=tuple(questions), exams=tuple(exams), translations=tuple(translations))

    # --- questions -------------------------------------------------------------------
    def _parse_questions(
        self, folder: Path, domains: set[str], anchors: dict, source: CourseSource, report: ContentReport
    ) -> list[QuestionSource]:
        questions: list[QuestionSource] = []
        seen: dict[str, str] = {}
        for path in source_files(folder.glob("*.yaml")) if folder.is_dir() else []:
            for item in _question_mappings(path, report):
                question = self._parse_question(item, path, domains, anchors, source, report)
                if question is None:
                    continue
                if question.external_id in seen:
                    report.error(
                        path,
                        item.line_of("id"),
                        f"duplicate question id '{question.external_id}' (also in {seen[question.external_id]})",
                    )
                    continue
                seen[question.external_id] = f"{question.path}:{question.line}"
                questions.append(question)
        return questions

    def _parse_question(
        self, item: LineDict, path: Path, domains: set[str], anchors: dict, source: CourseSource, report: ContentReport
    ) -> QuestionSource | None:
        errors_before = len(report.errors)
        if not require_fields(
            item,
            {"id": str, "kind": str, "domain": str, "difficulty": str, "lesson": str, "stem": str, "explanation": str},
            path=path,
            report=report,
        ):
            return None
        for name in item:
            if name not in _QUESTION_FIELDS:
                report.warn(path, item.line_of(name), f"unknown field '{name}' is ignored")
        kind = item["kind"]
        if kind not in KINDS:
            report.error(
                path, item.line_of("kind"), f"unknown kind '{kind}' (expected one of {', '.join(sorted(KINDS))})"
            )
            return None
        if item["domain"] not in domains:
            known = ", ".join(sorted(domains)) or "none declared in course.yaml"
            report.error(path, item.line_of("domain"), f"unknown domain '{item['domain']}' (known: {known})")
        if item["difficulty"] not in DIFFICULTIES:
            report.error(path, item.line_of("difficulty"), f"difficulty must be one of {', '.join(DIFFICULTIES)}")
        points = item.get("points", 1)
        if not _is_number(points) or points <= 0:
            report.error(path, item.line_of("points"), "'points' must be a positive number")
            points = 1
        module_slug = self._check_lesson(item, path, anchors, report)
        options = self._parse_options(item, kind, path, report)
        key = self._parse_key(item, kind, path, report)
        if len(report.errors) > errors_before:
            return None
        return QuestionSource(
            external_id=item["id"],
            kind=kind,
            domain=item["domain"],
            difficulty=item["difficulty"],
            points=Decimal(str(points)),
            lesson_ref=item["lesson"],
            module_slug=module_slug or "",
            stem=item["stem"].strip(),
            explanation=item["explanation"].strip(),
            options=tuple(options),
            key=key,
            path=str(path.relative_to(source.directory.parent)),
            line=item.line,
        )

    @staticmethod
    def _check_lesson(item: LineDict, path: Path, anchors: dict, report: ContentReport) -> str | None:
        match = _LESSON_REF.match(item["lesson"])
        line = item.line_of("lesson")
        if not match:
            report.error(path, line, f"lesson '{item['lesson']}' must look like module-slug/lesson-slug#heading-id")
            return None
        module_slug, lesson_slug, heading = match.groups()
        lesson_key = f"{module_slug}/{lesson_slug}"
        if lesson_key not in anchors:
            report.error(path, line, f"lesson '{lesson_key}' does not exist")
            return None
        if heading not in anchors[lesson_key]:
            report.error(path, line, f"lesson '{lesson_key}' has no heading with id '{heading}'")
            return None
        return module_slug

    @staticmethod
    def _parse_options(item: LineDict, kind: str, path: Path, report: ContentReport) -> list[dict]:
        needs_options = kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.ORDERING}
        raw = item.get("options")
        if not needs_options:
            if raw is not None:
                report.error(path, item.line_of("options"), f"'options' is not used by kind '{kind}'")
            return []
        if not isinstance(raw, list) or len(raw) < 2:
            report.error(
                path,
                item.line_of("options") if raw is not None else item.line,
                f"kind '{kind}' needs a list of at least two 'options'",
            )
            return []
        options, ids = [], set()
        for option in raw:
            line = getattr(option, "line", item.line_of("options"))
            if not isinstance(option, dict) or not isinstance(option.get("text"), str) or not option.get("text"):
                report.error(path, line, "each option needs an 'id' and a 'text'")
                continue
            option_id = option.get("id")
            if isinstance(option_id, bool) or not isinstance(option_id, str | int) or option_id == "":
                report.error(path, line, "option 'id' must be a short letter or word (quote yes/no/true/false)")
                continue
            option_id = str(option_id)
            if option_id in ids:
                report.error(path, line, f"duplicate option id '{option_id}'")
                continue
            ids.add(option_id)
            correct = option.get("correct", False)
            if not isinstance(correct, bool):
                report.error(path, line, "'correct' must be true or false")
                continue
            if kind == QuestionKind.ORDERING and "correct" in option:
                report.warn(
                    path, line, "'correct' is not used by ordering questions: list options in the correct order"
                )
            text = option["text"].strip()
            options.append(
                {"id": option_id, "text": text, "correct": correct if kind != QuestionKind.ORDERING else False}
            )
        correct_count = sum(1 for option in options if option["correct"])
        if kind == QuestionKind.SINGLE and correct_count != 1:
            report.error(
                path,
                item.line_of("options"),
                f"a 'single' question needs exactly one correct option; this one has {correct_count}",
            )
        if kind == QuestionKind.MULTIPLE and correct_count < 1:
            report.error(path, item.line_of("options"), "a 'multiple' question needs at least one correct option")
        return options

    @staticmethod
    def _parse_key(item: LineDict, kind: str, path: Path, report: ContentReport) -> dict:
        if kind in {QuestionKind.MULTIPLE, QuestionKind.ORDERING}:
            scoring = item.get("scoring", "all_or_nothing")
            if scoring not in MULTIPLE_SCORING:
                report.error(path, item.line_of("scoring"), f"'scoring' must be one of {', '.join(MULTIPLE_SCORING)}")
            return {"scoring": scoring}
        if "scoring" in item:
            report.error(path, item.line_of("scoring"), f"'scoring' is not used by kind '{kind}'")
        if kind == QuestionKind.TRUE_FALSE:
            if not isinstance(item.get("answer"), bool):
                report.error(
                    path, item.line_of("answer"), "a 'true_false' question needs 'answer: true' or 'answer: false'"
                )
            return {"answer": item.get("answer")}
        if kind == QuestionKind.NUMERIC:
            answer, tolerance = item.get("answer"), item.get("tolerance", 0)
            if not _is_number(answer):
                report.error(path, item.line_of("answer"), "a 'numeric' question needs a number as 'answer'")
            if not _is_number(tolerance) or tolerance < 0:
                report.error(path, item.line_of("tolerance"), "'tolerance' must be a number of zero or more")
            return {"answer": str(answer), "tolerance": str(tolerance)}
        if kind == QuestionKind.SHORT_TEXT:
            accepted, pattern = item.get("accepted", []), item.get("pattern")
            if not isinstance(accepted, list) or not all(
                isinstance(a, str | int | float) and str(a).strip() for a in accepted
            ):
                report.error(path, item.line_of("accepted"), "'accepted' must be a list of non-empty answers")
                accepted = []
            if pattern is not None:
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    report.error(path, item.line_of("pattern"), f"'pattern' is not a valid regular expression: {exc}")
            if not accepted and not pattern:
                report.error(path, item.line, "a 'short_text' question needs 'accepted' answers or a 'pattern'")
            return {"accepted": [str(a) for a in accepted], "pattern": str(pattern) if pattern else ""}
        return {}

    # --- translations ----------------------------------------------------------------------
    def _parse_translations(
        self, folder: Path, questions: list[QuestionSource], report: ContentReport
    ) -> list[QuestionTranslationSource]:
        """`<bank>.<language>.yaml` beside `<bank>.yaml`: the same ids, translated text only."""
        english = {question.external_id: question for question in questions}
        translations: list[QuestionTranslationSource] = []
        seen: set[tuple[str, str]] = set()
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            translated = translation_file(path)
            if translated is None:
                continue
            if (problem := translation_language_problem(translated.language)) is not None:
                report.error(path, 1, problem)
                continue
            if not translated.source_path.is_file():
                report.error(path, 1, f"no English source '{translated.source_path.name}' beside this translation")
                continue
            for item in _question_mappings(path, report):
                entry = self._parse_translation(item, path, translated.language, english, report)
                if entry is None:
                    continue
                if (entry.external_id, entry.language) in seen:
                    report.error(path, item.line_of("id"), f"question '{entry.external_id}' is translated twice")
                    continue
                seen.add((entry.external_id, entry.language))
                translations.append(entry)
        return translations

    @staticmethod
    def _parse_translation(
        item: LineDict, path: Path, language: str, english: dict[str, QuestionSource], report: ContentReport
    ) -> QuestionTranslationSource | None:
        if not require_fields(item, {"id": str, "stem": str, "explanation": str}, path=path, report=report):
            return None
        source = english.get(item["id"])
        if source is None:
            report.error(path, item.line_of("id"), f"question '{item['id']}' has no English source in the bank")
            return None
        if (problem := translation_source_hash_problem(item.get("source_hash"), source.text_hash)) is not None:
            report.error(path, item.line_of("source_hash"), f"{item['id']}: {problem}")
            return None
        ok = True
        for name in item:
            if name not in {"id", "source_hash", "stem", "explanation", "options"}:
                report.error(path, item.line_of(name), f"'{name}' is not translated: the English question sets it")
                ok = False
        option_text = ExamBankSection._translated_options(item, path, source, report)
        if option_text is None or not ok:
            return None
        if item["source_hash"] != source.text_hash:
            report.warn(
                path,
                item.line_of("source_hash"),
                f"{item['id']}: " + translation_stale_message(language, item["source_hash"], source.text_hash),
            )
        return QuestionTranslationSource(
            external_id=item["id"],
            language=language,
            stem=item["stem"].strip(),
            explanation=item["explanation"].strip(),
            option_text=option_text,
            source_hash=item["source_hash"],
            is_current=item["source_hash"] == source.text_hash,
        )

    @staticmethod
    def _translated_options(
        item: LineDict, path: Path, source: QuestionSource, report: ContentReport
    ) -> dict[str, str] | None:
        """Option id -> translated text, keyed by the English option ids so grading never reads the language."""
        raw = item.get("options")
        wanted = [str(option["id"]) for option in source.options]
        if not wanted:
            if raw is not None:
                report.error(path, item.line_of("options"), f"the English '{source.kind}' question has no options")
                return None
            return {}
        if not isinstance(raw, list):
            report.error(path, item.line, f"'{source.external_id}' needs its options translated: ids {wanted}")
            return None
        texts: dict[str, str] = {}
        for option in raw:
            line = getattr(option, "line", item.line_of("options"))
            if not isinstance(option, dict) or not isinstance(option.get("text"), str) or not option["text"].strip():
                report.error(path, line, "each option needs an 'id' and a 'text'")
                return None
            if set(option) - {"id", "text"}:
                report.error(path, line, "a translated option has only 'id' and 'text': the English sets the rest")
                return None
            texts[str(option.get("id"))] = option["text"].strip()
        missing = [option_id for option_id in wanted if option_id not in texts]
        unknown = sorted(set(texts) - set(wanted))
        if missing or unknown:
            report.error(
                path,
                item.line_of("options"),
                f"options must match the English ids {wanted}: missing {missing}, unknown {unknown}",
            )
            return None
        return texts

    # --- exams -----------------------------------------------------------------------
    def _parse_exams(
        self, folder: Path, domains: set[str], questions: list[QuestionSource], report: ContentReport
    ) -> list[ExamSource]:
        available: dict[str, int] = {}
        for question in questions:
            available[question.domain] = available.get(question.domain, 0) + 1
        exams: list[ExamSource] = []
        slugs: dict[str, Path] = {}
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            data = load_yaml_file(path, report)
            if data is None:
                continue
            exam = self._parse_exam(data, path, domains, available, report)
            if exam is None:
                continue
            if exam.slug in slugs:
                report.error(
                    path, data.line_of("slug"), f"duplicate exam slug '{exam.slug}' (also in {slugs[exam.slug]})"
                )
                continue
            slugs[exam.slug] = path
            exams.append(exam)
        return exams

    @staticmethod
    def _parse_exam(
        data: LineDict, path: Path, domains: set[str], available: dict[str, int], report: ContentReport
    ) -> ExamSource | None:
        errors_before = len(report.errors)
        if not require_fields(
            data,
            {
                "slug": str,
                "title": str,
                "question_count": int,
                "time_limit_minutes": int,
                "blueprint": dict,
                "pass_mark_percent": (int, float),
            },
            path=path,
            report=report,
        ):
            return None
        values = {**_EXAM_DEFAULTS, **data}
        if not _SLUG.match(data["slug"]):
            report.error(
                path,
                data.line_of("slug"),
                f"slug '{data['slug']}' must be lowercase letters, digits and single hyphens",
            )
        if data["time_limit_minutes"] <= 0:
            report.error(path, data.line_of("time_limit_minutes"), "'time_limit_minutes' must be positive")
        if not 0 < data["pass_mark_percent"] <= 100:
            report.error(path, data.line_of("pass_mark_percent"), "'pass_mark_percent' must be above 0 and at most 100")
        for name, least in (("attempts_allowed", 1), ("grace_seconds", 0)):
            number = values[name]
            if not isinstance(number, int) or isinstance(number, bool) or number < least:
                report.error(path, data.line_of(name), f"'{name}' must be a whole number of at least {least}")
        if not _is_number(values["cooldown_hours"]) or values["cooldown_hours"] < 0:
            report.error(path, data.line_of("cooldown_hours"), "'cooldown_hours' must be a number of zero or more")
        for name in ("shuffle_questions", "shuffle_options"):
            if not isinstance(values[name], bool):
                report.error(path, data.line_of(name), f"'{name}' must be true or false")
        if values["review"] not in ReviewPolicy.values:
            report.error(path, data.line_of("review"), f"'review' must be one of {', '.join(ReviewPolicy.values)}")
        blueprint = data["blueprint"]
        line = data.line_of("blueprint")
        for domain, count in blueprint.items():
            if domain not in domains:
                report.error(path, line, f"blueprint names unknown domain '{domain}'")
            elif not isinstance(count, int) or isinstance(count, bool) or count < 0:
                report.error(path, line, f"blueprint count for '{domain}' must be a whole number")
            elif available.get(domain, 0) < count:
                report.error(
                    path,
                    line,
                    f"the bank cannot fill the blueprint: it asks for {count} '{domain}' "
                    f"questions and the bank has {available.get(domain, 0)}",
                )
        if len(report.errors) == errors_before and sum(blueprint.values()) != data["question_count"]:
            report.error(
                path,
                data.line_of("question_count"),
                f"question_count is {data['question_count']} but the blueprint adds up to {sum(blueprint.values())}",
            )
        if path.stem != data["slug"]:
            report.warn(path, data.line_of("slug"), f"file name differs from the slug '{data['slug']}'")
        if len(report.errors) > errors_before:
            return None
        return ExamSource(
            slug=data["slug"],
            title=data["title"],
            question_count=data["question_count"],
            time_limit_minutes=data["time_limit_minutes"],
            blueprint={k: int(v) for k, v in blueprint.items() if v},
            pass_mark_percent=Decimal(str(data["pass_mark_percent"])),
            attempts_allowed=values["attempts_allowed"],
            cooldown_hours=Decimal(str(values["cooldown_hours"])),
            grace_seconds=values["grace_seconds"],
            shuffle_questions=values["shuffle_questions"],
            shuffle_options=values["shuffle_options"],
            review=values["review"],
        )

    @staticmethod
    def _lint_bank(source: CourseSource, questions: list[QuestionSource], report: ContentReport) -> None:
        """Psychometric findings are warnings here; the course's content tests treat them as failures."""
        result = bank_lint(items=lint_items(questions))
        if result.single_items:
            report.note(
                f"{source.slug}: a test-wise guesser scores {result.guesser_score:.1%} on the "
                f"{result.single_items} single-choice questions (limit {GUESSER_LIMIT:.0%})"
            )
        for finding in result.findings:
            path, _, line = finding.where.rpartition(":")
            if path and line.isdigit():
                report.warn(source.directory.parent / path, int(line), finding.message)
            else:
                report.warn(source.directory / "questions", None, f"{finding.where}: {finding.message}")

    @staticmethod
    def _check_certificate_exam(source: CourseSource, exams: list[ExamSource], report: ContentReport) -> None:
        certificate = source.spec.get("certificate")
        requires = certificate.get("requires") if isinstance(certificate, dict) else None
        slug = requires.get("exam") if isinstance(requires, dict) else None
        if slug and slug not in {exam.slug for exam in exams}:
            report.error(
                source.spec_path,
                requires.line_of("exam") if isinstance(requires, LineDict) else None,
                f"certificate requires exam '{slug}', which is not under exams/",
            )

    # --- writing -----------------------------------------------------------------------
    def apply(self, value: ExamBank, course: CourseRef, changes: ChangeLog) -> None:
        self._apply_questions(value.questions, course, changes)
        self._apply_translations(value.translations, course, changes)
        self._apply_exams(value.exams, course, changes)

    @staticmethod
    def _apply_translations(
        sources: tuple[QuestionTranslationSource, ...], course: CourseRef, changes: ChangeLog
    ) -> None:
        """Attach each current translation to its question's current version. A stale one matches no
        current version: that version shows English, and older versions keep the translations they had."""
        from assessments.models.exams import Question, QuestionTranslation

        current: dict[str, dict[str, dict]] = {}
        for source in sources:
            if source.is_current:
                current.setdefault(source.external_id, {})[source.language] = {
                    "stem_html": render_inline_markdown(source.stem),
                    "explanation_html": render_inline_markdown(source.explanation),
                    "option_html": {option_id: _inline_html(text) for option_id, text in source.option_text.items()},
                    "source_hash": source.source_hash,
                }
        for question in Question.objects.filter(course_id=course.id, is_published=True).select_related(
            "current_version"
        ):
            if question.current_version is None:
                continue
            translations_upsert(
                QuestionTranslation,
                parent={"version": question.current_version},
                by_language=current.get(question.external_id, {}),
                changes=changes,
                kind="question",
                label=question.external_id,
            )

    @staticmethod
    def _apply_questions(sources: tuple[QuestionSource, ...], course: CourseRef, changes: ChangeLog) -> None:
        from django.db.models import Max

        from assessments.models.exams import Question, QuestionVersion

        existing = {
            q.external_id: q for q in Question.objects.filter(course_id=course.id).select_related("current_version")
        }
        for source in sources:
            question = existing.get(source.external_id)
            created = question is None
            if question is None:
                question = Question.objects.create(course_id=course.id, external_id=source.external_id)
            current = question.current_version
            if current is None or current.content_hash != source.content_hash:
                number = (question.versions.aggregate(top=Max("number"))["top"] or 0) + 1
                question.current_version = QuestionVersion.objects.create(
                    question=question,
                    number=number,
                    kind=source.kind,
                    domain=source.domain,
                    difficulty=source.difficulty,
                    points=source.points,
                    lesson_ref=source.lesson_ref,
                    module_slug=source.module_slug,
                    stem=source.stem,
                    stem_html=render_inline_markdown(source.stem),
                    explanation=source.explanation,
                    explanation_html=render_inline_markdown(source.explanation),
                    options=[{**option, "html": _inline_html(option["text"])} for option in source.options],
                    key=source.key,
                    content_hash=source.content_hash,
                )
                question.is_published = True
                question.save(update_fields=["current_version", "is_published"])
                if created:
                    changes.created("question", source.external_id)
                else:
                    changes.updated("question", f"{source.external_id} (version {number})")
            elif not question.is_published:
                question.is_published = True
                question.save(update_fields=["is_published"])
                changes.updated("question", f"{source.external_id} (published again)")
        records_unpublish_missing(
            existing, present={source.external_id for source in sources}, changes=changes, kind="question"
        )

    @staticmethod
    def _apply_exams(sources: tuple[ExamSource, ...], course: CourseRef, changes: ChangeLog) -> None:
        from assessments.models.exams import Exam

        existing = {exam.slug: exam for exam in Exam.objects.filter(course_id=course.id, delta__isnull=True)}
        for source in sources:
            fields = {name: getattr(source, name) for name in ExamSource.__dataclass_fields__ if name != "slug"}
            record_upsert(
                Exam,
                existing.get(source.slug),
                identity={"course_id": course.id, "slug": source.slug},
                fields={**fields, "is_published": True},
                changes=changes,
                kind="exam",
                label=source.slug,
            )
        records_unpublish_missing(existing, present={source.slug for source in sources}, changes=changes, kind="exam")


def _inline_html(text: str) -> str:
    """An option's Markdown without the paragraph wrapper, so it sits inside a label."""
    html = render_inline_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def _question_mappings(path: Path, report: ContentReport) -> list[LineDict]:
    """The mappings under a bank file's `questions:` list (English or translated); each
    problem with the file's shape is reported and skipped."""
    data = load_yaml_file(path, report)
    if data is None:
        return []
    items = data.get("questions")
    if not isinstance(items, list):
        report.error(path, data.line_of("questions"), "expected a list under 'questions:'")
        return []
    mappings = []
    for item in items:
        if isinstance(item, LineDict):
            mappings.append(item)
        else:
            report.error(path, getattr(items, "line", 1), "each question must be a mapping")
    return mappings
