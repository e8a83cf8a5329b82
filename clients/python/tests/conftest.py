import os
import uuid

import pytest

from switchboard import Dashboard

REQUIRED = ("SWITCHBOARD_URL", "SWITCHBOARD_API_KEY", "SWITCHBOARD_EMAIL", "SWITCHBOARD_PASSWORD")


def pytest_configure(config):
    missing = [v for v in REQUIRED if not os.environ.get(v)]
    if missing:
        raise pytest.UsageError(
            f"{', '.join(missing)} not set: run the tests through scripts/with-server.sh clients/python/test.sh")


@pytest.fixture(scope="session")
def person():
    """The person at the dashboard (signed in as the with-server user)."""
    dash = Dashboard.login()
    yield dash
    dash.close()


@pytest.fixture
def agent_name():
    return f"py-test-{uuid.uuid4().hex[:8]}"
