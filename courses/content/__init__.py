"""The content pipeline: read `content/`, validate all of it, then write it in one transaction."""
