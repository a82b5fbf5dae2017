"""Test-wide settings shared by tests/ and contract_tests/."""

import os

from hypothesis import HealthCheck, settings

# Property tests run on shared 2-core machines: wall-clock deadlines only measure the load.
# In CI the examples are derandomized, so a run can be repeated exactly; locally they vary.
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")
