"""Twenty case handlers approve twenty payouts of one grant at the same moment.

Each thread has its own database connection, so the approvals really run as concurrent
PostgreSQL transactions; only the row lock on the grant keeps them from all reading the same
committed sum and together approving more than the grant allows.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from omstilling.exceptions import ServiceError
from omstilling.models import StaffMembership
from projects.models import Grant, Payout
from projects.services import payout_approve
from tests.db_sessions import wait_until_alone
from tests.factories import GrantFactory, PayoutFactory, StaffMembershipFactory, UserFactory

THREADS = 20


@pytest.fixture
def threads_closed_afterwards():
    """Every thread closes its connection; their sessions must be gone before the next test (and
    before the run drops its test database, which PostgreSQL refuses while anyone is connected)."""
    yield
    assert not wait_until_alone(), "a thread's database session outlived the test"


@pytest.mark.django_db(transaction=True)
def test_payouts_never_exceed_grant_under_concurrency(threads_closed_afterwards):
    grant = GrantFactory(
        amount=Decimal(100000),
        decision__amount=Decimal(100000),
        holdback_percent=25,
        state=Grant.State.ACCEPTED,
    )
    payouts = [
        PayoutFactory(grant=grant, number=n, amount=Decimal(10000), kind=Payout.Kind.PARTIAL)
        for n in range(1, THREADS + 1)
    ]
    officer = UserFactory(email="leder@program.no", full_name="Programleder")
    StaffMembershipFactory(
        programme=grant.application.programme, user=officer, role=StaffMembership.Role.LEADER
    )
    # Partial payouts may use what is not held back: 75 000, i.e. seven payouts of 10 000.
    allowed = 7
    barrier = threading.Barrier(THREADS)
    approved, refused, crashed = [], [], []

    def approve(payout):
        try:
            barrier.wait(timeout=30)
            payout_approve(payout, actor=officer)
            approved.append(payout.pk)
        except ServiceError as exc:
            refused.append(exc.message)
        except Exception as exc:  # a deadlock or a lost update must fail the test, not vanish
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(payout,)) for payout in payouts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not [thread for thread in threads if thread.is_alive()], "an approval never finished"
    assert crashed == []
    committed = Payout.objects.filter(grant=grant, state__in=Payout.COMMITTED_STATES)
    total = committed.aggregate(total=Sum("amount"))["total"]
    assert total <= grant.amount
    assert total == Decimal(10000) * allowed
    assert committed.count() == len(approved) == allowed
    assert len(refused) == THREADS - allowed
    assert all("holdes tilbake" in message for message in refused)
    assert Payout.objects.filter(grant=grant, state=Payout.State.REQUESTED).count() == THREADS - allowed
