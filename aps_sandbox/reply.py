"""A minimal HTTP answer type shared by the request handlers."""
import dataclasses
import json


@dataclasses.dataclass
class Reply:
    """Status, content type, body and extra headers of one HTTP answer."""

    status: int
    body: bytes = b''
    content_type: str = 'text/plain; charset=utf-8'
    headers: dict = dataclasses.field(default_factory=dict)


def html(body, status=200):
    """An HTML answer."""
    return Reply(status, body.encode('utf-8'), 'text/html; charset=utf-8')


def as_json(data, status=200):
    """A JSON answer."""
    return Reply(status, json.dumps(data, ensure_ascii=False).encode('utf-8'), 'application/json; charset=utf-8')


def redirect(location, status=303):
    """A redirect (303 See Other by default, so the browser follows with GET)."""
    return Reply(status, b'', headers={'Location': location})


def text(message, status):
    """A plain-text answer."""
    return Reply(status, message.encode('utf-8'))
