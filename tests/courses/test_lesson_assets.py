import pytest

PDF = b"%PDF-1.7 a learner's certificate"
PNG = b"\x89PNG\r\n\x1a\nlesson image"


@pytest.fixture
def media(tmp_path, settings):
    """MEDIA_ROOT as sync_content and certificate issuance leave it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    module = settings.MEDIA_ROOT / "content" / "demo-course" / "basics"
    module.mkdir(parents=True)
    (module / "dot.png").write_bytes(PNG)
    (module / "notes.txt").write_text("not a lesson image")
    (module / ".hidden.png").write_bytes(PNG)
    certificates = settings.MEDIA_ROOT / "certificates"
    certificates.mkdir()
    (certificates / "7K3M9Q2WX4RT.pdf").write_bytes(PDF)
    (module / "linked.png").symlink_to(certificates / "7K3M9Q2WX4RT.pdf")
    (settings.MEDIA_ROOT / "content" / "demo-course" / "outside.png").write_bytes(PNG)
    return settings.MEDIA_ROOT


def test_a_lesson_image_is_served(client, media):
    response = client.get("/media/content/demo-course/basics/dot.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    "path",
    [
        "/media/content/..%2fcertificates/7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/basics/..%2f..%2f..%2fcertificates/7K3M9Q2WX4RT.pdf",
        "/media/content/%2e%2e/certificates/7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/%2e%2e/%2e%2e/certificates/7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/basics/%2e%2e%2f%2e%2e%2f%2e%2e%2fcertificates%2f7K3M9Q2WX4RT.pdf",
        "/media/content/..\\certificates\\7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/basics/..%5c..%5c..%5ccertificates%5c7K3M9Q2WX4RT.pdf",
        "/media/content/%252e%252e%252fcertificates/7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/basics/%252e%252e%252f%252e%252e%252f%252e%252e%252fcertificates%252f7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/basics/..%c0%af..%c0%afcertificates/7K3M9Q2WX4RT.pdf",
        "/media/certificates/7K3M9Q2WX4RT.pdf",
        "/media//certificates/7K3M9Q2WX4RT.pdf",
        "/media/content//certificates/7K3M9Q2WX4RT.pdf",
        "/media/content/demo-course/basics/linked.png",
    ],
)
def test_no_path_leaves_the_lesson_folders(client, media, path):
    response = client.get(path)
    assert response.status_code == 404
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert PDF not in body


@pytest.mark.parametrize(
    "path",
    [
        "/media/content/demo-course/basics/notes.txt",
        "/media/content/demo-course/basics/.hidden.png",
        "/media/content/demo-course/outside.png",
        "/media/content/demo-course/basics/dot.png%00.txt",
        "/media/content/demo-course/basics/missing.png",
    ],
)
def test_only_image_files_of_a_module_folder_are_served(client, media, path):
    assert client.get(path).status_code == 404
