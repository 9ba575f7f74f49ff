"""A WSGI application that does nothing: served by the same gunicorn settings as the platform,
it shows what the server itself spends on a request (`bench/exam_load.py`'s server floor)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Length", "0")])
    return []
