"""Path converters shared by every app's urls.py."""


class IdConverter:
    """A database id in a URL: 1 to 18 ASCII digits. Django's `int` converter takes any length,
    and a number no column can hold overflows the database driver (a 500); this way it is a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
