from daphne import http_protocol
from twisted.web.test.requesthelper import DummyChannel

import biostat.asgi  # noqa: F401 - installs the request class
from biostat.daphne_requests import RequestWithoutFormParsing

BODY = (
    b"--b\r\n"
    b'Content-Disposition: form-data; name="file"; filename="rows.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\n"
    b"x,y\r\n1,2\r\n"
    b"--b--\r\n"
)


def test_daphne_builds_requests_that_leave_the_body_to_django():
    assert http_protocol.WebRequest is RequestWithoutFormParsing


def test_a_multipart_body_is_not_parsed_by_twisted():
    # Twisted's own request, as Daphne's subclass would build it, minus Daphne's server wiring.
    request = http_protocol.http.Request(DummyChannel(), parsePOSTFormSubmission=False)
    request.requestHeaders.setRawHeaders(b"content-type", [b"multipart/form-data; boundary=b"])
    request.gotLength(len(BODY))
    request.handleContentChunk(BODY)
    request.requestReceived(b"POST", b"/api/datasets/", b"HTTP/1.1")
    assert request.args == {}
    request.content.seek(0)
    assert request.content.read() == BODY
