"""`journey serve` on a real port: the page answers over HTTP, and a taken port is an error."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

JOURNEY = str(Path(sys.executable).with_name("journey"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    values = {**os.environ, "JOURNEY_DATABASE_URL": f"sqlite:///{tmp_path / 'journey.db'}",
              "JOURNEY_INSTANCE_DIR": str(tmp_path / "instance")}
    subprocess.run([JOURNEY, "init"], env=values, check=True, capture_output=True)
    return values


def test_serve_answers_on_its_port(env) -> None:
    port = free_port()
    server = subprocess.Popen([JOURNEY, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait for the port with plain sockets (each closed at once), then ask one page:
        # failed urlopen attempts would leave half-closed sockets to the garbage collector.
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, "journey serve exited"
                assert time.monotonic() < deadline, "journey serve never listened"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200
            assert "Journey" in page.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(10)


def test_a_taken_port_is_a_clear_error(env) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([JOURNEY, "serve", "--port", str(port)], env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: serve: cannot listen on 127.0.0.1:")
    assert "Traceback" not in done.stderr
