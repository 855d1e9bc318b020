"""Every private name of ``h2`` Albany relies on, in one place.

``h2`` treats a stream opened beyond the advertised ``MAX_CONCURRENT_STREAMS`` as a
connection error; RFC 9113 5.1.2 makes it a stream error. ``RefusingH2Connection`` refuses
that one stream with RST_STREAM(REFUSED_STREAM), after decoding its header block so the
HPACK state stays in step with the client's, and lists it in ``refused_streams``.
"""

from __future__ import annotations

from typing import Any

import h2.connection
from h2.errors import ErrorCodes
from hyperframe.frame import HeadersFrame, RstStreamFrame


class RefusingH2Connection(h2.connection.H2Connection):
    """An ``H2Connection`` that refuses a stream over the concurrency limit alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_streams: list[int] = []

    def _receive_headers_frame(self, frame: HeadersFrame) -> Any:
        stream_id = frame.stream_id
        if (
            stream_id not in self.streams
            and stream_id % 2 == 1
            and stream_id > self.highest_inbound_stream_id
            and self.open_inbound_streams >= self.local_settings.max_concurrent_streams
        ):
            h2.connection._decode_headers(self.decoder, frame.data)
            self.highest_inbound_stream_id = stream_id
            refusal = RstStreamFrame(stream_id)
            refusal.error_code = ErrorCodes.REFUSED_STREAM
            self.refused_streams.append(stream_id)
            return [refusal], []
        return super()._receive_headers_frame(frame)
