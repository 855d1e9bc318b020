"""Albany apps wrapped for other ASGI servers (``albany.as_asgi``)."""

from __future__ import annotations

import albany
from tests.apps import contract

neutral = albany.as_asgi(contract.app)
twisted = albany.as_asgi(contract.twisted_app)
mixed = albany.as_asgi(albany.Mount({"/twisted": contract.twisted_app, "/": contract.app}))
