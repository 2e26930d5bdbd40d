import pytest

from tests.factories import GrantFactory, valid_orgnr


@pytest.mark.django_db
def test_factories_build_a_consistent_grant():
    grant = GrantFactory()
    assert grant.application.programme == grant.application.focus_area.plan_period.programme
    assert grant.amount == grant.decision.amount


def test_valid_orgnr_sequence_gives_distinct_valid_numbers():
    numbers = {valid_orgnr(n) for n in range(200)}
    assert len(numbers) == 200
