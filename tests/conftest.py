"""Every test runs offline: connections to anything but localhost are refused."""

import pytest

from helpers import offline


@pytest.fixture(autouse=True)
def no_network():
    offline.install()
    yield
    offline.uninstall()
