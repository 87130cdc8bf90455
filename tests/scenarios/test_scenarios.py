"""Every trajectory in trajectories.py, replayed through the patient's own pages."""

import re

import pytest

from tests.scenarios.replay import Replay
from tests.scenarios.trajectories import SCENARIOS


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]


def test_there_are_enough_trajectories_and_negative_controls():
    assert len(SCENARIOS) >= 40
    assert sum(1 for scenario in SCENARIOS if not scenario.expect) >= 10
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[slug(s.name) for s in SCENARIOS])
def test_trajectory(client, standard_template, scenario):
    Replay(scenario, client).run()
