"""A real ``redis-server`` for tests (Debian's package): its own 127.0.0.1 port and folder, AOF on,
stopped by its PID; loaded as a pytest plugin by conftest (fixture ``redis_server``)."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server process; ``url`` is database 0 on it. AOF with ``appendfsync always``: every
    acknowledged write is on disk, so a killed server keeps all it acknowledged."""

    def __init__(self, folder: Path):
        assert REDIS_SERVER is not None  # needs_redis
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        assert REDIS_SERVER is not None
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, (self.folder / "redis.log").read_text()
            try:
                redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1).ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server by its PID (SIGTERM: a clean shutdown; SIGKILL: a crash)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)


@pytest.fixture
def redis_server(tmp_path_factory):
    """A fresh redis-server for one test."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
