"""Running the web app under uvicorn: one process, or several, each with its own socket.

Several processes (``storyline serve --workers N``) each bind their own listening socket to
the same port with ``SO_REUSEPORT``, and the kernel spreads new connections over them.
uvicorn's own ``--workers`` shares one socket instead, and the first process to wake takes
every waiting connection: under wrk's 50 kept-alive connections one process held 45 and the
other 5, so half the cores idled while the requests queued (p95 twice the mean). Its shared
socket also lost TCP_NODELAY (uvicorn issue 3149: 40 ms per kept-alive request); ours is
made as TCP from the start.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
from types import FrameType

import uvicorn

from storyline.web.app import SETTINGS_VARIABLE, create_app, settings_text

__all__ = ["listening_socket", "run_server"]


def listening_socket(host: str, port: int, *, shared: bool = True) -> socket.socket:
    """A TCP socket bound to (host, port); ``shared``: other processes may bind it too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _worker(host: str, port: int, level: str, access_log: bool) -> None:
    sock = listening_socket(host, port)
    config = uvicorn.Config(
        "storyline.web.app:app_from_environment",
        factory=True,
        log_level=level,
        access_log=access_log,
    )
    uvicorn.Server(config).run(sockets=[sock])


def run_server(
    db_path: str,
    base_url: str,
    host: str,
    port: int,
    *,
    quiet: bool = False,
    cache: bool = True,
    workers: int = 1,
) -> None:
    """Serve until interrupted. Each request is logged (uvicorn's access log) unless quiet."""
    level = "warning" if quiet else "info"
    if workers == 1:
        app = create_app(db_path, base_url, cache=cache)
        uvicorn.run(app, host=host, port=port, log_level=level, access_log=not quiet)
        return
    # The settings travel to the worker processes in the environment they inherit.
    os.environ[SETTINGS_VARIABLE] = settings_text(db_path, base_url, cache=cache)
    # Bound alone first, so a port in use fails here (OSError), even when another server
    # shares it, and port 0 picks the one port; then held shared, without listening (it takes
    # no connections), for the workers to join.
    with listening_socket(host, port, shared=False) as probe:
        port = probe.getsockname()[1]
    with listening_socket(host, port):
        context = multiprocessing.get_context("spawn")
        children = [
            context.Process(target=_worker, args=(host, port, level, not quiet), daemon=True)
            for _ in range(workers)
        ]
        for child in children:
            child.start()

        def stop(signum: int, frame: FrameType | None) -> None:
            for child in children:
                if child.is_alive() and child.pid is not None:
                    os.kill(child.pid, signal.SIGTERM)  # uvicorn shuts down gracefully

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for child in children:
            child.join()
