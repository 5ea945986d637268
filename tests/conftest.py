import pytest
from hypothesis import HealthCheck, settings

from policy.load import load_policy

settings.register_profile("wrp", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("wrp")


@pytest.fixture(scope="session")
def policy():
    return load_policy()
