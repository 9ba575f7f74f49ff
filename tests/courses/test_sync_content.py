import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course, Lesson, LessonCompletion

pytestmark = pytest.mark.django_db


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content" / "demo-course"
    write(
        root / "course.yaml",
        """
        slug: demo-course
        title: Demo course
        version: "1"
    """,
    )
    write(
        root / "01-basics" / "module.yaml",
        """
        slug: basics
        title: Basics
        order: 1
    """,
    )
    write(
        root / "01-basics" / "01-hello.md",
        """
        ---
        title: Hello
        slug: hello
        order: 1
        ---
        ## Objectives

        Say hello.

        ```python
        print("hi")
        ```
    """,
    )
    write(
        root / "01-basics" / "02-world.md",
        """
        ---
        title: World
        slug: world
        order: 2
        ---
        | a | b |
        |---|---|
        | 1 | 2 |
    """,
    )
    return root.parent


def sync(path: Path, *args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("sync_content", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sync_creates_course_and_second_run_reports_no_changes(course_dir):
    first = sync(course_dir)
    assert "created lesson basics/hello" in first
    assert Lesson.objects.filter(is_published=True).count() == 2
    assert sync(course_dir).strip() == "No changes."


def test_markdown_is_highlighted_and_sanitized(course_dir):
    lesson_path = course_dir / "demo-course" / "01-basics" / "01-hello.md"
    lesson_path.write_text(lesson_path.read_text() + '\n<script>alert(1)</script>\n<a href="javascript:x()">x</a>\n')
    sync(course_dir)
    html = Lesson.objects.get(slug="hello").body_html
    assert 'class="codehilite"' in html
    assert 'id="objectives"' in html
    assert "<script" not in html and "javascript:" not in html


def test_dry_run_writes_nothing(course_dir):
    output = sync(course_dir, "--dry-run")
    assert "would be created lesson basics/hello" in output
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("course.yaml", "slug: demo-course\ntitle: [unclosed\nversion: '1'\n", "course.yaml:3: invalid YAML"),
        (
            "01-basics/02-world.md",
            "---\nslug: world\norder: 2\n---\nbody\n",
            "02-world.md:2: missing required field 'title'",
        ),
        (
            "01-basics/02-world.md",
            "---\ntitle: World\nslug: hello\norder: 2\n---\nbody\n",
            "02-world.md:3: duplicate lesson slug 'hello'",
        ),
        (
            "01-basics/module.yaml",
            "slug: basics\ntitle: Basics\norder: 1\ntitle: Again\n",
            "module.yaml:4: invalid YAML: duplicate key 'title'",
        ),
    ],
)
def test_malformed_file_names_file_and_line_and_changes_nothing(course_dir, filename, content, expected):
    sync(course_dir)
    before = list(Lesson.objects.values_list("slug", "title", "body_html", "is_published"))
    (course_dir / "demo-course" / filename).write_text(content)
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync_content", str(course_dir), stdout=StringIO(), stderr=err)
    assert expected in err.getvalue()
    assert list(Lesson.objects.values_list("slug", "title", "body_html", "is_published")) == before


def test_duplicate_module_slug_names_the_second_file_and_its_slug_line(course_dir):
    write(
        course_dir / "demo-course" / "02-more" / "module.yaml",
        """
        title: More
        order: 2
        slug: basics
    """,
    )
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync_content", str(course_dir), stdout=StringIO(), stderr=err)
    assert "02-more/module.yaml:3: duplicate module slug 'basics'" in err.getvalue()


def test_removed_course_is_unpublished(course_dir):
    sync(course_dir)
    write(
        course_dir / "other" / "course.yaml",
        """
        slug: other-course
        title: Other
        version: "1"
    """,
    )
    (course_dir / "other" / "01-basics").mkdir()
    for name in ("module.yaml", "01-hello.md"):
        (course_dir / "other" / "01-basics" / name).write_text(
            (course_dir / "demo-course" / "01-basics" / name).read_text().replace("slug: basics", "slug: other-basics")
        )
    import shutil

    shutil.rmtree(course_dir / "demo-course")
    output = sync(course_dir)
    assert "unpublished course demo-course" in output and "created course other-course" in output
    assert Course.objects.get(slug="demo-course").is_published is False


def test_removed_lesson_is_unpublished_and_progress_kept(course_dir, learner):
    sync(course_dir)
    world = Lesson.objects.get(slug="world")
    LessonCompletion.objects.create(user=learner, lesson=world)
    (course_dir / "demo-course" / "01-basics" / "02-world.md").unlink()
    assert "unpublished lesson world" in sync(course_dir)
    world.refresh_from_db()
    assert world.is_published is False
    assert LessonCompletion.objects.filter(user=learner, lesson=world).exists()


def test_images_beside_lesson_are_served(course_dir, client, django_capture_on_commit_callbacks):
    module = course_dir / "demo-course" / "01-basics"
    (module / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    lesson = module / "01-hello.md"
    lesson.write_text(lesson.read_text() + "\n![A dot](dot.png)\n")
    with django_capture_on_commit_callbacks(execute=True):
        sync(course_dir)
    html = Lesson.objects.get(slug="hello").body_html
    assert 'src="/media/content/demo-course/basics/dot.png"' in html
    response = client.get("/media/content/demo-course/basics/dot.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_missing_image_is_an_error_with_line(course_dir):
    lesson = course_dir / "demo-course" / "01-basics" / "01-hello.md"
    lesson.write_text(lesson.read_text() + "\n![Missing](nope.png)\n")
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync_content", str(course_dir), stdout=StringIO(), stderr=err)
    assert "01-hello.md:" in err.getvalue() and "image 'nope.png' not found" in err.getvalue()


def _translate_hello(course_dir: Path, *, source_hash: str) -> Path:
    return write(
        course_dir / "demo-course" / "01-basics" / "01-hello.ja.md",
        f"""
        ---
        title: こんにちは
        slug: hello
        source_hash: {source_hash}
        ---
        ## 学習目標 {{#objectives}}

        あいさつをする。

        ```python
        print("hi")
        ```
    """,
    )


def _hello_hash() -> str:
    from courses.content.translations import lesson_source_hash

    body = '## Objectives\n\nSay hello.\n\n```python\nprint("hi")\n```\n'
    return lesson_source_hash(title="Hello", body=body)


def test_sync_loads_a_current_translation_and_a_second_run_changes_nothing(course_dir):
    from courses.models import LessonTranslation

    _translate_hello(course_dir, source_hash=_hello_hash())
    assert "created lesson translation basics/hello (ja)" in sync(course_dir)
    translation = LessonTranslation.objects.get(lesson__slug="hello", language="ja")
    assert translation.is_current and translation.title == "こんにちは" and "あいさつをする。" in translation.body_html
    assert sync(course_dir).strip() == "No changes."


def test_a_stale_translation_is_kept_but_marked_and_a_removed_one_is_deleted(course_dir):
    from courses.models import LessonTranslation

    path = _translate_hello(course_dir, source_hash="0000000000ff")
    err = StringIO()
    call_command("sync_content", str(course_dir), stdout=StringIO(), stderr=err)
    assert (
        f"01-hello.ja.md:4: the 'ja' translation is out of date: it was made from source_hash 0000000000ff, the English is now {_hello_hash()}"
        in err.getvalue()
    )
    assert LessonTranslation.objects.get(lesson__slug="hello", language="ja").is_current is False
    path.unlink()
    assert "deleted lesson translation basics/hello (ja)" in sync(course_dir)
    assert not LessonTranslation.objects.exists()


def test_a_translation_whose_headings_lose_the_english_ids_is_refused(course_dir):
    path = _translate_hello(course_dir, source_hash=_hello_hash())
    path.write_text(path.read_text(encoding="utf-8").replace(" {#objectives}", ""), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("sync_content", str(course_dir), stdout=StringIO(), stderr=(err := StringIO()))
    assert "01-hello.ja.md:6: headings must keep the English ids" in err.getvalue()
    assert "missing ['objectives']" in err.getvalue()


def test_a_source_hash_of_digits_only_must_be_quoted(course_dir):
    _translate_hello(course_dir, source_hash="123456789012")
    with pytest.raises(CommandError):
        call_command("sync_content", str(course_dir), stdout=StringIO(), stderr=(err := StringIO()))
    assert (
        f'01-hello.ja.md:4: write source_hash in quotes so that it reads as text: source_hash: "{_hello_hash()}"'
        in err.getvalue()
    )
