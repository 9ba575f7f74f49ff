"""The static files storages, remembering each asset's URL.

Every page asks for a dozen asset URLs (`{% static %}` in the base layout and the page); making
one joins and quotes the path each time, and the manifest storage looks up the hashed name as
well: a few percent of a question page's CPU. An asset's URL never changes while the process
runs (STATIC_URL, DEBUG and the manifest are read at startup), so each is made once."""

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _RememberedUrls:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, *args, **kwargs) -> str:
        if args or kwargs or name is None:
            return super().url(name, *args, **kwargs)  # type: ignore[misc]
        if (url := self._urls.get(name)) is None:
            url = self._urls[name] = super().url(name)  # type: ignore[misc]
        return url


class RememberingStaticFilesStorage(_RememberedUrls, StaticFilesStorage):
    pass


class RememberingManifestStaticFilesStorage(_RememberedUrls, CompressedManifestStaticFilesStorage):
    pass
