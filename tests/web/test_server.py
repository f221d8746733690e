from __future__ import annotations

import socket

import pytest

from storyline.web.server import listening_socket


def test_worker_sockets_are_tcp_and_share_one_port() -> None:
    """TCP_NODELAY needs the socket to say it is TCP (else kept-alive requests wait 40 ms), and
    each worker binds the port the first one got."""
    with listening_socket("127.0.0.1", 0) as first:
        first.listen()
        port = first.getsockname()[1]
        with listening_socket("127.0.0.1", port) as second:
            second.listen()
            assert first.proto == second.proto == socket.IPPROTO_TCP
            assert second.getsockname() == ("127.0.0.1", port)
        # Another server, which does not share, finds the port taken.
        with pytest.raises(OSError):
            listening_socket("127.0.0.1", port, shared=False)
