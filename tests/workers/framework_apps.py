"""A ``twisted.web`` resource answering with its pid: not callable, so gunicorn alone
would refuse it as an app."""

from __future__ import annotations

import os
from typing import Any

from twisted.web.resource import Resource


class PidPage(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return f"twisted {os.getpid()}".encode()


resource = PidPage()
