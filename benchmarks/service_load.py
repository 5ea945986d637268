"""Load figures of `wrp serve` (a script, not a test): requests per second and p50 / p99 latency of
POST /api/check at 1, 8 and 32 concurrent clients, next to the same check in-process.

    python benchmarks/service_load.py [--requests N] [--profile FILE]

It starts `wrp serve` on a free port of 127.0.0.1 (loopback only), sends a bounded number of requests
per level (default 200; each client stops when the count is reached or after 120 s), stops the server
and prints one line per level. Every response must be 200 with the expected status, or the run fails.
In-process: ``App().check(dict)`` on the same profile — the facade call the endpoint makes, without
HTTP, JSON and the worker pool. The server answers from one process whose solver threads share one
interpreter lock: the ratio column shows what HTTP, the pool and queueing cost per request.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LEVELS = (1, 8, 32)
DEADLINE_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def in_process(profile: dict, n: int) -> list[float]:
    from solver.app import App
    app = App()
    app.check(profile)  # warm: rules loaded, programs compiled
    out = []
    for _ in range(n):
        t = time.perf_counter()
        app.check(profile).as_dict()
        out.append(time.perf_counter() - t)
    return out


def level(url: str, body: bytes, clients: int, total: int, expected: str) -> tuple[list[float], float]:
    import http.client
    host, port = url.split("//")[1].split(":")
    lock = threading.Lock()
    sent = [0]
    lat: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + DEADLINE_S

    def client():
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while time.monotonic() < stop_at:
            with lock:
                if sent[0] >= total:
                    break
                sent[0] += 1
            t = time.perf_counter()
            conn.request("POST", "/api/check", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            dt_ = time.perf_counter() - t
            if r.status != 200 or json.loads(data)["status"] != expected:
                errors.append(f"{r.status} {data[:200]!r}")
            with lock:
                lat.append(dt_)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} bad responses at {clients} clients, e.g. {errors[0]}")
    return lat, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=200, help="requests per concurrency level (default 200)")
    ap.add_argument("--profile", default=str(ROOT / "examples" / "changping_rejected_income.yaml"))
    args = ap.parse_args()
    from policy.schema import to_json_value
    from policy.yamlio import read_yaml
    profile = to_json_value(read_yaml(args.profile))
    body = json.dumps(profile).encode()

    base = in_process(profile, 50)
    expected = None
    from solver.app import App
    expected = App().check(profile).as_dict()["status"]
    p50_in = statistics.median(base)
    print(f"profile {Path(args.profile).name} (status {expected}); {args.requests} requests per level")
    print(f"in-process App().check: p50 {p50_in * 1000:.1f} ms, p99 {pct(base, 99) * 1000:.1f} ms "
          f"({1 / p50_in:.0f} checks/s on one thread, n={len(base)})")

    port = free_port()
    wrp = Path(sys.executable).parent / "wrp"
    server = subprocess.Popen([str(wrp), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/api/jurisdictions", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"wrp serve exited: {server.stderr.read().decode()}") from None
                time.sleep(0.1)
        level(url, body, 1, 5, expected)  # warm the worker threads
        print(f"{'clients':>7}  {'rps':>7}  {'p50 ms':>8}  {'p99 ms':>8}  {'p50 / in-process':>16}")
        for c in LEVELS:
            lat, wall = level(url, body, c, args.requests, expected)
            p50 = statistics.median(lat)
            print(f"{c:>7}  {len(lat) / wall:>7.1f}  {p50 * 1000:>8.1f}  {pct(lat, 99) * 1000:>8.1f}  "
                  f"{p50 / p50_in:>15.1f}×")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
