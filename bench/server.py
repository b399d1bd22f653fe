"""Serving the app for a benchmark: a free loopback port, and a started server process that
is known to answer before any load is sent."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_ready(
    server: subprocess.Popen[bytes], url: str, *, seconds: float = 30, hint: str = ""
) -> subprocess.Popen[bytes]:
    """Return `server` once `url` answers 200; kill it and raise if it does not in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server at {url} did not start{hint}")
