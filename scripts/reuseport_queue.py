"""Measure what closing one listener does to connections waiting in its accept queue:
two ``SO_REUSEPORT`` sockets on one port, then one socket held by two descriptors.

Run: ``python scripts/reuseport_queue.py`` (docs/design/workers.md quotes its output).
"""

from __future__ import annotations

import os
import socket

CLIENTS = 40


def listener(port: int = 0, reuse_port: bool = False) -> socket.socket:
    sock = socket.socket()
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def connect_all(port: int) -> list[socket.socket]:
    clients = []
    for _ in range(CLIENTS):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        clients.append(client)
    return clients


def count_reset(clients: list[socket.socket]) -> int:
    reset = 0
    for client in clients:
        client.settimeout(0.2)
        try:
            if client.recv(1) == b"":
                reset += 1
        except ConnectionResetError:
            reset += 1
        except TimeoutError:
            pass  # still queued, waiting to be accepted
        client.close()
    return reset


def main() -> None:
    first = listener(reuse_port=True)
    port = first.getsockname()[1]
    second = listener(port, reuse_port=True)
    clients = connect_all(port)
    second.close()
    print(f"SO_REUSEPORT: {count_reset(clients)} of {CLIENTS} reset when one of two closed")
    first.close()

    shared = listener()
    duplicate = os.dup(shared.fileno())
    clients = connect_all(shared.getsockname()[1])
    os.close(duplicate)
    print(f"shared socket: {count_reset(clients)} of {CLIENTS} reset when one holder closed it")
    shared.close()


if __name__ == "__main__":
    main()
