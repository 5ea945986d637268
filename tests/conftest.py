import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# The suite never reads or writes the user's compiled-policy cache (policy/compiled.py): one of its
# own, cold at the start, shared by the CLI subprocesses of the session.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="wrp-test-cache-")

from policy.load import load_policy  # noqa: E402

settings.register_profile("wrp", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("wrp")


@pytest.fixture(scope="session")
def policy():
    return load_policy()
