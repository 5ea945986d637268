"""`wrp serve` on a port already in use: one `wrp: error` line, exit 2 (was uvicorn's ERROR line, exit 3)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

WRP = str(Path(sys.executable).parent / "wrp")


def test_a_port_in_use_is_one_clear_error_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([WRP, "serve", "--host", "127.0.0.1", "--port", str(port)],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrp: error: ") and "already in use" in lines[0], r.stderr
    assert str(port) in lines[0] and "Traceback" not in r.stderr


def test_an_unknown_host_is_one_clear_error():
    r = subprocess.run([WRP, "serve", "--host", "no-such-host.invalid", "--port", "8000"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("wrp: error: `--host`: cannot resolve host"), r.stderr


def test_a_free_port_still_serves():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([WRP, "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/jurisdictions", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.1)
        else:
            raise AssertionError("wrp serve did not answer")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
