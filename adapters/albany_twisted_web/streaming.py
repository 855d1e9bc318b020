"""Reading a request body as it arrives: the opt-in twisted.web itself lacks (Twisted #4688).

twisted.web reads the whole body into ``request.content`` before it renders. A resource
that provides ``IStreamingBodyResource`` gets the body piece by piece instead, while the
client is still sending it, when the app was made with
``resource_app(root, stream_request_bodies=True)``::

    @implementer(IStreamingBodyResource)
    class Upload(Resource):
        isLeaf = True

        def bodyReceived(self, request, data):
            self.file.write(data)          # or return a Deferred: reading waits for it

        def render_PUT(self, request):     # after the last piece; request.content is empty
            return b"stored"

Traversal then runs before the body is read, so ``getChild`` sees the query arguments in
``request.args`` but not form fields of the body; that is the price of the opt-in, and
why it is off by default.
"""

from __future__ import annotations

from twisted.web.resource import IResource


class IStreamingBodyResource(IResource):
    """A resource that reads its request body as the body arrives."""

    def bodyReceived(request, data):  # type: ignore[no-untyped-def]  # noqa: N805
        """One piece of the body, in order; return None or a Deferred (reading waits for it)."""
