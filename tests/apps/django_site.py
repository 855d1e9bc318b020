"""A one-module Django project, served both as WSGI (``wsgi``) and as ASGI (``asgi``)."""

from __future__ import annotations

import json

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="albany-tests-only",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello from Django", content_type="text/plain")


@csrf_exempt
def upload(request: HttpRequest) -> JsonResponse:
    received = request.FILES.get("file")
    return JsonResponse(
        {
            "fields": {key: request.POST[key] for key in request.POST},
            "file": None if received is None else {"name": received.name, "size": received.size},
        }
    )


def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(f"chunk {i}\n".encode() for i in range(4))


def where(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        json.dumps(
            {
                "script": request.META.get("SCRIPT_NAME", ""),
                "path": request.path,
                "path_info": request.path_info,
            }
        )
    )


urlpatterns = [
    path("", hello),
    path("upload", upload),
    path("stream", stream),
    path("where", where),
]

wsgi = get_wsgi_application()
asgi = get_asgi_application()
