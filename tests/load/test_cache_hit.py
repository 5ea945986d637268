"""A warm compiled cache is really used: a fresh process loads the shipped policy without parsing YAML.
(The restricted unpickler never imports a module, so every class a cache entry holds must already be
imported when it is read — a miss here costs ~0.5 s on every `wrp check`.)"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NO_YAML = ("import policy.yamlio as Y\n"
           "def boom(*a, **k):\n"
           "    raise SystemExit(7)\n"
           "Y.read_yaml = boom\n"
           "from policy.load import load_policy\n"
           "load_policy()\n")


def test_a_warm_cache_loads_the_policy_without_parsing(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "WRP_CACHE": "1"}
    warm = subprocess.run([sys.executable, "-c", "from policy.load import load_policy; load_policy()"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert warm.returncode == 0, warm.stderr[-2000:]
    hit = subprocess.run([sys.executable, "-c", NO_YAML], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert hit.returncode == 0, ("the cache was not used", hit.returncode, hit.stderr[-2000:])
