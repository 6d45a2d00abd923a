"""Daphne's HTTP requests without Twisted's own parse of form bodies.

Twisted parses every multipart or URL-encoded body into ``request.args`` when it has been
received, in the reactor thread. Daphne never reads ``request.args``: it hands the raw body
to Django, which parses it again. On a 176 MB CSV upload the unused parse cost about 3 s of
CPU and another full copy of the body in memory.
"""

from daphne import http_protocol


class RequestWithoutFormParsing(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


def install():
    """Make Daphne's protocol factory build these requests (it looks the class up per connection)."""
    http_protocol.WebRequest = RequestWithoutFormParsing
