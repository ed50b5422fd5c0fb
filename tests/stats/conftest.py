from typing import Any

import pytest
from time_machine import TimeMachineFixture

from ..conftest import Cast
from .journey import Journey


@pytest.fixture
def journey(cast: Cast, settings: Any, time_machine: TimeMachineFixture) -> Journey:
    """The foreign-ministry preset on the US calendar in New York: acknowledgment due at
    the end of the 2nd working day after filing, the reply at the end of the 30th."""
    settings.CHANNEL_PRESET = "foreign-ministry"
    settings.CHANNEL_CALENDAR = "US"
    settings.CHANNEL_CALENDAR_SUBDIVISION = ""
    settings.CHANNEL_TIME_ZONE = "America/New_York"
    return Journey(cast, time_machine)
