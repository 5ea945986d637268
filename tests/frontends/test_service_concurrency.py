"""The z3 endpoints of the HTTP service under concurrent requests: through the ASGI client and through a
real `wrp serve` (uvicorn) on loopback. Every answer equals the one given alone, nothing is a 500, and
the process survives (z3 is not thread-safe: solver.backends.smt.worker runs every z3 call on one
thread). The ASGI client runs in a child process, so that a crash fails the test, not the test run."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRP = str(Path(sys.executable).parent / "wrp")


def _example(name: str) -> bytes:
    from policy.schema import to_json_value
    from policy.yamlio import read_yaml
    return json.dumps(to_json_value(read_yaml(ROOT / "examples" / f"{name}.yaml"))).encode()


def _partial() -> bytes:  # no birth date and no sex: the exact answer needs z3
    data = json.loads(_example("changping_eligible"))
    del data["applicant"]["birth_date"], data["applicant"]["sex"]
    return json.dumps(data).encode()


# (method, path, body): the z3 endpoints, and checks whose exact answers or next questions need z3
REQUESTS = [
    ("POST", "/api/missing", "changping_rejected_income"),
    ("POST", "/api/missing?top=1&lang=zh", "chaoyang_rejected_tenure"),
    ("POST", "/api/explain", "xicheng_rejected_income"),
    ("GET", "/api/compare?districts=changping,daxing&topic=tenure&date=2025-09-01", None),
    ("GET", "/api/compare?districts=all&topic=income_threshold&date=2025-09-01&lang=zh", None),
    ("GET", "/api/conflicts?districts=changping,daxing&topic=income_threshold&date=2025-09-01", None),
    ("POST", "/api/check?district=all", "partial"),
    ("POST", "/api/check", "daxing_eligible"),
]


def _body(name: str | None) -> bytes | None:
    if name is None:
        return None
    return _partial() if name == "partial" else _example(name)


SCRIPT = r"""
import json, sys
from concurrent.futures import ThreadPoolExecutor
from fastapi.testclient import TestClient
sys.path.insert(0, sys.argv[1])
from test_service_concurrency import REQUESTS, _body
from solver.service import create_app

bodies = {r[2]: _body(r[2]) for r in REQUESTS}
with TestClient(create_app(workers=8, timeout=900)) as client:  # no 503 on a loaded machine
    def send(req):
        method, path, name = req
        r = client.request(method, path, content=bodies[name], headers={"content-type": "application/json"})
        return r.status_code, r.text
    alone = [send(r) for r in REQUESTS]
    with ThreadPoolExecutor(8) as ex:
        together = list(ex.map(send, REQUESTS * 4))
print(json.dumps({"codes": sorted({c for c, _ in alone + together}),
                  "same": together == alone * 4}))
"""


def test_z3_endpoints_concurrently_through_the_asgi_client():
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(Path(__file__).parent)], capture_output=True, text=True,
                       timeout=900, cwd=ROOT)
    assert r.returncode == 0, f"exit {r.returncode} (-11 is SIGSEGV)\n{r.stderr[-3000:]}"
    assert json.loads(r.stdout.splitlines()[-1]) == {"codes": [200], "same": True}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(base: str, req) -> tuple[int, str]:
    method, path, name = req
    rq = urllib.request.Request(base + path, data=_body(name), method=method,
                                headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(rq, timeout=600) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_z3_endpoints_concurrently_through_a_real_server():
    port = _free_port()
    proc = subprocess.Popen([WRP, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**__import__("os").environ, "WRP_SERVE_WORKERS": "8", "WRP_SERVE_TIMEOUT": "600"})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                with urllib.request.urlopen(base + "/api/jurisdictions", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.1)
        alone = [_send(base, r) for r in REQUESTS]
        with ThreadPoolExecutor(12) as ex:
            together = list(ex.map(lambda r: _send(base, r), REQUESTS * 3))
        assert proc.poll() is None, "the server died"
        assert {c for c, _ in alone + together} == {200}, [t[:300] for c, t in together if c != 200][:2]
        assert together == alone * 3
        assert _send(base, ("POST", "/api/check", "changping_eligible"))[0] == 200  # still serving
    finally:
        proc.terminate()
        out = proc.communicate(timeout=60)[0].decode()
    assert "Traceback" not in out and "Segmentation" not in out, out[-2000:]
