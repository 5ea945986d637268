"""The one lock of z3's shared context (no z3 import: holding the lock costs nothing).

z3 keeps its terms in one context shared by every thread, and the analyses cache terms between
calls: two threads in z3 at once corrupt it (z3 errors, then a crash of the process). Every use of
z3 — the analyses, and the exact refinement when sampling cannot settle an answer — holds this
lock, so the facade (``solver.app.App``) and the HTTP service's worker threads may be used from
several threads.
"""

from __future__ import annotations

import threading

Z3_LOCK = threading.RLock()
