"""The standard graded plan ships with the product (a data migration)."""

import itertools

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from programs.models import PlanTemplate

LADDER = [(8, 3), (10, 3), (15, 3), (20, 3), (20, 4), (25, 4), (25, 5), (30, 5)]


def test_standard_template_is_the_design_ladder(standard_template):
    stages = list(standard_template.stages.order_by("position"))

    assert [(s.minutes_per_session, s.sessions_per_week) for s in stages] == LADDER
    assert [s.position for s in stages] == list(range(1, 9))
    assert standard_template.is_shared
    assert all(stage.guidance for stage in stages)


def test_standard_template_changes_one_thing_at_a_time(standard_template):
    stages = list(standard_template.stages.order_by("position"))

    for before, after in itertools.pairwise(stages):
        changed = [
            before.minutes_per_session != after.minutes_per_session,
            before.sessions_per_week != after.sessions_per_week,
        ]
        assert sum(changed) == 1, f"stage {after.position} changes {sum(changed)} things"


def test_standard_template_keeps_to_flat_ground_until_the_later_stages(standard_template):
    terrains = list(standard_template.stages.order_by("position").values_list("terrain", flat=True))

    assert terrains[:6] == ["flat"] * 6
    assert set(terrains[6:]) == {"mixed"}


# Transactional, because migrating runs outside a test transaction. No serialized rollback:
# after another transactional test's flush it would re-insert content types that exist.
@pytest.mark.django_db(transaction=True)
def test_standard_template_migration_reverses_and_reapplies():
    executor = MigrationExecutor(connection)
    executor.migrate([("programs", "0001_initial")])
    assert not PlanTemplate.objects.filter(name="Standard graded walking plan").exists()

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert PlanTemplate.objects.get(name="Standard graded walking plan").stages.count() == 8
