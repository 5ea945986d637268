"""The compiled policy cache: keyed by content, never trusted when corrupt or stale, and `check`
loads only what it needs (no procedure file, no z3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROFILE = str(ROOT / "examples" / "changping_eligible.yaml")


def _wrp(args: list[str], cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "wrp").glob("*.pickle"))


def test_a_corrupt_cache_is_ignored_and_rebuilt(tmp_path):
    cold = _wrp(["check", PROFILE, "--format", "json"], tmp_path)
    assert cold.returncode == 0, cold.stderr
    entries = _entries(tmp_path)
    assert entries, "the first run writes the compiled policy"
    for e in entries:
        e.write_bytes(b"not a pickle")
    again = _wrp(["check", PROFILE, "--format", "json"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == cold.stdout
    assert all(e.read_bytes() != b"not a pickle" for e in entries), "rebuilt in place"


def test_an_entry_of_another_key_is_not_trusted(tmp_path):
    _wrp(["check", PROFILE, "--format", "json"], tmp_path)
    import pickle
    for e in _entries(tmp_path):
        key, value = pickle.loads(e.read_bytes())
        e.write_bytes(pickle.dumps(("stale" + key, value)))
    r = _wrp(["check", PROFILE, "--format", "json"], tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "eligible"
    assert all(pickle.loads(e.read_bytes())[0] != "stale" for e in _entries(tmp_path))


def test_any_edit_of_a_rules_directory_gives_a_new_entry(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "policy" / "jurisdictions", rules)
    cache = tmp_path / "cache"
    first = _wrp(["check", PROFILE, "--rules", str(rules), "--format", "json"], cache)
    assert first.returncode == 0, first.stderr
    n = len(_entries(cache))
    f = rules / "changping.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    second = _wrp(["check", PROFILE, "--rules", str(rules), "--format", "json"], cache)
    assert second.stdout == first.stdout and len(_entries(cache)) == n + 1
    f.write_text(f.read_text(encoding="utf-8").replace("meta:", "meta: [", 1), encoding="utf-8")
    broken = _wrp(["check", PROFILE, "--rules", str(rules), "--format", "json"], cache)
    assert broken.returncode == 2 and "changping.yaml" in broken.stderr  # the edit is read, not the cache


def test_check_reads_no_procedure_file_and_does_not_import_z3(tmp_path):
    code = (
        "import sys, policy.procedures as P\n"
        "def boom(*a, **k):\n    raise AssertionError('a procedure file was parsed')\n"
        "P.load_procedure_file = boom\n"
        "import cli\n"
        f"rc = cli.main(['check', {PROFILE!r}, '--format', 'json'])\n"
        "heavy = [m for m in ('z3', 'solver.backends.smt', 'solver.analyses.common') if m in sys.modules]\n"
        "assert rc == 0 and not heavy, (rc, heavy)\n")
    for _ in range(2):  # cold, then warm
        r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]


class _Call:
    """A pickle that calls ``fn(*args)`` when it is loaded (what a tampered cache entry would hold)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def test_a_tampered_cache_runs_nothing_and_is_rebuilt(tmp_path):
    """An entry with the right key whose pickle calls os.system, builtins.exec or a function of wrp:
    the restricted unpickler refuses it (nothing runs), the answer is the same and the entry rebuilt."""
    import pickle

    from policy.compiled import SafeUnpickler
    cache = tmp_path / "cache"
    cold = _wrp(["check", PROFILE, "--format", "json"], cache)
    assert cold.returncode == 0, cold.stderr
    marker = tmp_path / "pwned"
    payloads = [
        _Call(os.system, f"touch {marker}"),
        _Call(exec, f"open({str(marker)!r}, 'w').write('x')"),
        _Call(getattr, _Call(__import__, "os"), "system"),  # builtins.getattr / __import__
        _Call(shutil.rmtree, str(tmp_path / "nothing")),
        _Call(Path.write_text, marker, "x"),  # a method of an allowed class is not a class
    ]
    import policy.compiled
    payloads.append(_Call(policy.compiled._write, marker, "k", 1))  # a function of wrp's policy package
    for payload in payloads:
        for e in _entries(cache):
            key, _ = pickle.loads(e.read_bytes())
            e.write_bytes(pickle.dumps((key, payload)))
        r = _wrp(["check", PROFILE, "--format", "json"], cache)
        assert r.returncode == 0 and r.stdout == cold.stdout, r.stderr
        assert not marker.exists(), f"the tampered entry ran code: {payload.fn}"
        for e in _entries(cache):  # rebuilt: a plain entry the restricted unpickler reads again
            with open(e, "rb") as fh:
                key, value = SafeUnpickler(fh).load()
            assert not isinstance(value, _Call)


def test_the_restricted_unpickler_refuses_what_is_not_a_policy_dataclass():
    import datetime as dt
    import io
    import pickle
    from fractions import Fraction

    import pytest

    from policy.compiled import SafeUnpickler
    from policy.load import load_policy
    policy = load_policy()
    value = [Fraction(1, 3), dt.date(2021, 9, 15), {"a": (1, 2)}, policy.vocabulary]
    assert SafeUnpickler(io.BytesIO(pickle.dumps(value))).load() == value
    for obj in (_Call(os.system, "true"), _Call(eval, "1"), SafeUnpickler):
        with pytest.raises(pickle.UnpicklingError, match="refusing"):
            SafeUnpickler(io.BytesIO(pickle.dumps(obj))).load()
