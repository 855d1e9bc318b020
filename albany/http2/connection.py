"""One HTTP/2 connection, server side, sans-IO: ``receive`` bytes, take events and bytes out.

Rules, beyond what ``h2`` enforces (framing, HPACK, pseudo-headers, flow-control windows,
Content-Length against DATA):

1. A stream opened beyond ``max_concurrent_streams`` is refused alone with
   RST_STREAM(REFUSED_STREAM) (RFC 9113 5.1.2); the connection goes on.
2. A request head is the same ``Request`` HTTP/1.1 yields: ``:authority`` becomes the
   ``host`` field, first, unless one was sent; cookie fields are joined with ``"; "``
   (RFC 9113 8.2.3); ``http_version`` is ``"2"``.
3. The request limits of HTTP/1.1 hold: a head over ``max_header_size`` ends the
   connection (HPACK-bomb protection, h2's), a body over ``max_body_size`` is refused with
   413 (``StreamRefused``), a ``:path`` longer than ``max_request_line`` with 414.
4. Receive windows open only as the app takes the body (``body_consumed``), so a slow app
   never makes Albany hold more than ``initial_window_size`` per stream.
5. Output waits for the client's windows: ``send_body`` queues what does not fit and sends
   it as WINDOW_UPDATEs arrive; ``pending`` tells how much is held, and ``WindowOpened``
   says when a stream's queue has drained.
6. Abuse ends the connection with GOAWAY(ENHANCE_YOUR_CALM) and ``Terminated``: more than
   ``max_rapid_resets`` streams reset by the client before their response ended, or more
   than ``max_control_frames`` PING/SETTINGS frames, within ``abuse_window`` seconds.
7. ``goaway`` is the graceful end: GOAWAY with the last stream accepted; later streams are
   refused, earlier ones finish.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from h2.errors import ErrorCodes
from hyperframe.frame import GoAwayFrame

from albany.http1.events import Request
from albany.http1.limits import Limits
from albany.http1.reader import decode_path, split_target
from albany.http2.events import (
    BodyData,
    Http2Event,
    PeerGoAway,
    RequestHead,
    StreamEnd,
    StreamRefused,
    StreamReset,
    Terminated,
    WindowOpened,
)
from albany.http2.seam import RefusingH2Connection
from albany.http2.settings import Http2Settings

_CONNECTION_SPECIFIC = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)
"""Fields HTTP/2 forbids (RFC 9113 8.2.2): an app's response never carries them."""


class Http2Connection:
    """The server side of one HTTP/2 connection; the preface has been (or will be) received.

    ``clock`` gives seconds (the backend's monotonic time): the abuse bounds count on it.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        limits: Limits = Limits(),
        settings: Http2Settings = Http2Settings(),
    ) -> None:
        self._limits = limits
        self._settings = settings
        self._clock = clock
        config = h2.config.H2Configuration(
            client_side=False, header_encoding=None, validate_inbound_headers=True
        )
        self._h2 = RefusingH2Connection(config=config)
        self._h2.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: settings.max_concurrent_streams,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: settings.initial_window_size,
                h2.settings.SettingCodes.MAX_FRAME_SIZE: settings.max_frame_size,
                h2.settings.SettingCodes.HEADER_TABLE_SIZE: settings.header_table_size,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: limits.max_header_size,
                h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL: 0,
            },
        )
        self._h2.decoder.max_header_list_size = limits.max_header_size
        self._h2.max_inbound_frame_size = settings.max_frame_size
        self._h2.initiate_connection()
        self._pending: dict[int, deque[tuple[bytes, bool]]] = {}
        self._pending_bytes: dict[int, int] = {}
        self._body_bytes: dict[int, int] = {}
        self._responding: set[int] = set()  # streams whose response has not ended
        self._resets: deque[float] = deque()
        self._control_frames: deque[float] = deque()
        self._accepting = True
        self._goaway = b""
        self._last_accepted = 0
        self.terminated = False
        """Set once the connection is over: write ``data_to_send`` and close."""

    # -- bytes in ---------------------------------------------------------------------------

    def receive(self, data: bytes) -> list[Http2Event]:
        """The events ``data`` completes; nothing once ``terminated``."""
        if self.terminated:
            return []
        try:
            received = self._h2.receive_data(data)
        except h2.exceptions.ProtocolError as error:
            return [self._terminate(_error_code(error), str(error) or type(error).__name__)]
        events = list(self._refused_by_seam())
        for event in received:
            events.extend(self._translate(event))
            if self.terminated:
                break
        return events

    def _refused_by_seam(self) -> Iterable[Http2Event]:
        refused, self._h2.refused_streams = self._h2.refused_streams, []
        for stream_id in refused:
            yield StreamRefused(stream_id, 0, "too many concurrent streams")

    def _translate(self, event: h2.events.Event) -> list[Http2Event]:
        if isinstance(event, h2.events.RequestReceived):
            return self._request(event)
        if isinstance(event, h2.events.DataReceived):
            return self._data(event)
        if isinstance(event, h2.events.StreamEnded):
            if event.stream_id in self._body_bytes:
                return [StreamEnd(event.stream_id)]
            return []
        if isinstance(event, h2.events.TrailersReceived):
            return [StreamEnd(event.stream_id)] if event.stream_ended else []
        if isinstance(event, h2.events.StreamReset):
            return self._reset(event)
        if isinstance(event, h2.events.WindowUpdated):
            return self._flush()
        if isinstance(event, h2.events.RemoteSettingsChanged):
            # A new INITIAL_WINDOW_SIZE may open every stream's window.
            return self._count_control_frame() or self._flush()
        if isinstance(event, h2.events.PingReceived):
            return self._count_control_frame()
        if isinstance(event, h2.events.ConnectionTerminated):
            self._accepting = False
            return [PeerGoAway(event.last_stream_id or 0, int(event.error_code or 0))]
        return []

    def _request(self, event: h2.events.RequestReceived) -> list[Http2Event]:
        stream_id = event.stream_id
        if not self._accepting:
            self._h2.reset_stream(stream_id, ErrorCodes.REFUSED_STREAM)
            return [StreamRefused(stream_id, 0, "the connection is going away")]
        pseudo: dict[bytes, bytes] = {}
        fields: list[tuple[bytes, bytes]] = []
        cookies: list[bytes] = []
        has_host = False
        for name, value in event.headers:
            if name[:1] == b":":
                pseudo[name] = value
            elif name == b"cookie":
                cookies.append(value)
            else:
                has_host = has_host or name == b"host"
                fields.append((name, value))
        if cookies:
            fields.append((b"cookie", b"; ".join(cookies)))
        authority = pseudo.get(b":authority")
        if authority is not None and not has_host:
            fields.insert(0, (b"host", authority))
        self._last_accepted = stream_id
        self._responding.add(stream_id)
        target = pseudo.get(b":path", b"")
        method = pseudo.get(b":method", b"").decode("latin-1")
        if method == "CONNECT":
            return [self._refuse(stream_id, 405, "CONNECT is not served")]
        if len(target) > self._limits.max_request_line:
            return [self._refuse(stream_id, 414, "Request-target too long")]
        length = _content_length(fields)
        limit = self._limits.max_body_size
        if limit is not None and length is not None and length > limit:
            return [self._refuse(stream_id, 413, "Request body too large")]
        raw_path, query = split_target(target)
        ended = event.stream_ended is not None
        request = Request(
            method=method,
            http_version="2",
            raw_path=raw_path,
            path=decode_path(raw_path),
            query_string=query,
            headers=fields,
            keep_alive=True,
            expect_continue=any(n == b"expect" and v.lower() == b"100-continue" for n, v in fields),
            has_body=not ended,
            upgrade=None,
        )
        events: list[Http2Event] = [RequestHead(stream_id, request)]
        if not ended:
            self._body_bytes[stream_id] = 0
        return events

    def _data(self, event: h2.events.DataReceived) -> list[Http2Event]:
        stream_id = event.stream_id
        data = event.data or b""
        length = event.flow_controlled_length or 0
        if stream_id not in self._body_bytes:
            # A refused or finished stream: give the window back, drop the bytes.
            self._acknowledge(stream_id, length)
            return []
        received = self._body_bytes[stream_id] = self._body_bytes[stream_id] + len(data)
        limit = self._limits.max_body_size
        if limit is not None and received > limit:
            self._acknowledge(stream_id, length)
            return [self._refuse(stream_id, 413, "Request body too large")]
        return [BodyData(stream_id, data, length)]

    def _reset(self, event: h2.events.StreamReset) -> list[Http2Event]:
        stream_id = event.stream_id
        self._forget(stream_id)
        if stream_id in self._responding and event.remote_reset:
            self._responding.discard(stream_id)
            if self._over(self._resets, self._settings.max_rapid_resets):
                return [self._terminate(ErrorCodes.ENHANCE_YOUR_CALM, "too many streams reset")]
        return [StreamReset(stream_id, int(event.error_code or 0))]

    def _count_control_frame(self) -> list[Http2Event]:
        if self._over(self._control_frames, self._settings.max_control_frames):
            return [self._terminate(ErrorCodes.ENHANCE_YOUR_CALM, "too many control frames")]
        return []

    def _over(self, moments: deque[float], bound: int) -> bool:
        now = self._clock()
        moments.append(now)
        horizon = now - self._settings.abuse_window
        while moments and moments[0] < horizon:
            moments.popleft()
        return len(moments) > bound

    def _refuse(self, stream_id: int, status: int, reason: str) -> StreamRefused:
        self._body_bytes.pop(stream_id, None)
        return StreamRefused(stream_id, status, reason)

    def _terminate(self, code: int, reason: str) -> Terminated:
        if not self.terminated:
            self.terminated = True
            if self._h2.state_machine.state is not h2.connection.ConnectionState.CLOSED:
                self._h2.close_connection(error_code=code, last_stream_id=self._last_accepted)
        return Terminated(int(code), reason)

    # -- the app's side -----------------------------------------------------------------------

    def body_consumed(self, stream_id: int, flow_length: int) -> None:
        """The app took a ``BodyData`` piece: open the windows by its ``flow_length``."""
        self._acknowledge(stream_id, flow_length)

    def _acknowledge(self, stream_id: int, length: int) -> None:
        if length <= 0 or self.terminated:
            return
        try:
            self._h2.acknowledge_received_data(length, stream_id)
        except h2.exceptions.StreamClosedError:
            # The stream is gone: the connection's window still takes the bytes back.
            self._h2.increment_flow_control_window(length)

    def start_response(
        self, stream_id: int, status: int, headers: Iterable[tuple[bytes, bytes]], end: bool
    ) -> None:
        """Send the response head (``end``: and nothing else, the stream ends here)."""
        fields = [(b":status", str(status).encode())]
        fields += [(n.lower(), v) for n, v in headers if n.lower() not in _CONNECTION_SPECIFIC]
        if self.terminated or stream_id not in self._responding:
            return
        self._h2.send_headers(stream_id, fields, end_stream=end)
        if end:
            self._responding.discard(stream_id)

    def send_body(self, stream_id: int, data: bytes, end: bool) -> None:
        """Queue a piece of the response body; what the windows allow goes out now."""
        if self.terminated or stream_id not in self._responding:
            return
        queue = self._pending.setdefault(stream_id, deque())
        queue.append((data, end))
        self._pending_bytes[stream_id] = self._pending_bytes.get(stream_id, 0) + len(data)
        self._send_queued(stream_id)

    def send_trailers(self, stream_id: int, headers: Iterable[tuple[bytes, bytes]]) -> None:
        """End the stream with trailer fields (after every queued body piece)."""
        fields = [(n.lower(), v) for n, v in headers if n.lower() not in _CONNECTION_SPECIFIC]
        if self.pending(stream_id):
            raise RuntimeError("trailers are sent once the queued body has gone out")
        if not self.terminated and stream_id in self._responding:
            self._h2.send_headers(stream_id, fields, end_stream=True)
            self._responding.discard(stream_id)

    def pending(self, stream_id: int) -> int:
        """Body bytes queued for ``stream_id`` that the client's windows have not let out."""
        return self._pending_bytes.get(stream_id, 0)

    def reset(self, stream_id: int, code: int = ErrorCodes.INTERNAL_ERROR) -> None:
        """Abandon a stream (the app failed after its response began)."""
        self._forget(stream_id)
        if not self.terminated and stream_id in self._responding:
            self._h2.reset_stream(stream_id, code)
        self._responding.discard(stream_id)

    def goaway(self) -> None:
        """Graceful shutdown: GOAWAY naming the last stream accepted; no new streams.

        The frame is built here: ``h2`` closes its side at any GOAWAY it sends, and the
        streams already accepted must still be answered.
        """
        if self._accepting and not self.terminated:
            self._accepting = False
            frame = GoAwayFrame(0, last_stream_id=self._last_accepted, error_code=0)
            self._goaway = frame.serialize()

    @property
    def open_streams(self) -> int:
        """Streams whose response has not ended."""
        return len(self._responding)

    def data_to_send(self) -> bytes:
        """The bytes to write now (SETTINGS, acknowledgements, responses)."""
        data = bytes(self._h2.data_to_send())
        if self._goaway:
            data, self._goaway = data + self._goaway, b""
        return data

    # -- flow control out ----------------------------------------------------------------------

    def _send_queued(self, stream_id: int) -> bool:
        """Send what fits of ``stream_id``'s queue; True when the queue is empty."""
        queue = self._pending.get(stream_id)
        while queue:
            data, end = queue[0]
            window = self._h2.local_flow_control_window(stream_id)
            size = min(len(data), window, self._h2.max_outbound_frame_size)
            if data and size <= 0:
                return False
            piece, rest = data[:size], data[size:]
            last = end and not rest
            self._h2.send_data(stream_id, piece, end_stream=last)
            self._pending_bytes[stream_id] -= len(piece)
            if rest:
                queue[0] = (rest, end)
                continue
            queue.popleft()
            if last:
                self._responding.discard(stream_id)
        self._pending.pop(stream_id, None)
        self._pending_bytes.pop(stream_id, None)
        return True

    def _flush(self) -> list[Http2Event]:
        opened: list[Http2Event] = []
        for stream_id in list(self._pending):
            if stream_id not in self._h2.streams:
                self._forget(stream_id)
            elif self._send_queued(stream_id):
                opened.append(WindowOpened(stream_id))
        return opened

    def _forget(self, stream_id: int) -> None:
        self._pending.pop(stream_id, None)
        self._pending_bytes.pop(stream_id, None)
        self._body_bytes.pop(stream_id, None)


def _content_length(fields: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in fields:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


def _error_code(error: Any) -> int:
    code = getattr(error, "error_code", None)
    return int(code) if code is not None else int(ErrorCodes.PROTOCOL_ERROR)
