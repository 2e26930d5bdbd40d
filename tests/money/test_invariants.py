"""The payout invariants hold in the database itself, under a reduce/approve race, and payout
attachments are accepted only from the grant holder while the request awaits a decision."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from omstilling.exceptions import ServiceError
from projects.models import Grant, Payout
from projects.services import grant_reduce, payout_approve, payout_attachment_add, payout_reject
from tests.factories import UserFactory

from .conftest import requested

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_the_database_refuses_payouts_beyond_the_grant(grant):
    payout = requested(grant, 120000)
    with pytest.raises(IntegrityError, match="would exceed the grant"), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(state=Payout.State.APPROVED, approved_at=timezone.now())


@pytest.mark.django_db
def test_the_database_refuses_reducing_a_grant_below_its_payouts(grant, board):
    payout = requested(grant, 60000)
    payout_approve(payout, actor=board.leader)
    with pytest.raises(IntegrityError, match="more than the grant"), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(released_amount=50000)


@pytest.mark.django_db
def test_the_database_refuses_deciding_a_request_twice(grant, board):
    approved = requested(grant, 10000)
    payout_approve(approved, actor=board.leader)
    rejected = requested(grant, 10000)
    payout_reject(rejected, actor=board.leader, reason="Mangler bilag.")

    with pytest.raises(IntegrityError, match="approved once"), transaction.atomic():
        Payout.objects.filter(pk=approved.pk).update(approved_at=timezone.now())
    with pytest.raises(IntegrityError, match="cannot be decided again"), transaction.atomic():
        Payout.objects.filter(pk=rejected.pk).update(state=Payout.State.APPROVED, approved_at=timezone.now())


@pytest.mark.django_db
def test_the_database_refuses_approval_on_a_cancelled_grant(grant):
    payout = requested(grant, 10000)
    Grant.objects.filter(pk=grant.pk).update(state=Grant.State.CANCELLED)
    with pytest.raises(IntegrityError, match="not accepted or active"), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(state=Payout.State.APPROVED, approved_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_reduce_and_approve_racing_never_leave_payouts_above_the_grant(board, grant):
    # 100 000 with 25 % held back: a 60 000 partial payout fits, but not after a reduction to 50 000.
    payout = requested(grant, 60000)
    officer = board.leader
    barrier = threading.Barrier(2)
    done, refused, crashed = [], [], []

    def run(name, call):
        try:
            barrier.wait(timeout=30)
            call()
            done.append(name)
        except ServiceError as exc:
            refused.append(exc.message)
        except Exception as exc:  # a deadlock or a constraint error must fail the test
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                "reduce",
                lambda: grant_reduce(grant, actor=officer, new_amount=50000, reason="Mindre prosjekt."),
            ),
        ),
        threading.Thread(target=run, args=("approve", lambda: payout_approve(payout, actor=officer))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert crashed == []
    assert len(done) == 1 and len(refused) == 1
    grant.refresh_from_db()
    payout.refresh_from_db()
    committed = sum(p.amount for p in grant.payouts.filter(state__in=Payout.COMMITTED_STATES))
    assert committed <= grant.effective_amount
    if done == ["reduce"]:
        assert (grant.effective_amount, payout.state) == (50000, Payout.State.REQUESTED)
    else:
        assert (grant.effective_amount, payout.state) == (100000, Payout.State.APPROVED)


@pytest.mark.django_db
def test_project_member_attaches_documentation_while_the_request_waits(grant, project_member, board):
    payout = requested(grant, 10000)

    attachment = payout_attachment_add(
        payout,
        actor=project_member,
        uploaded_file=SimpleUploadedFile("bilag.pdf", PDF, content_type="application/pdf"),
    )

    assert (attachment.payout, attachment.content_type, attachment.size) == (
        payout,
        "application/pdf",
        len(PDF),
    )
    assert attachment.file.read() == PDF
    stranger = UserFactory(email="fremmed@example.no")
    with pytest.raises(ServiceError, match="tilgang"):
        payout_attachment_add(payout, actor=stranger, uploaded_file=SimpleUploadedFile("bilag.pdf", PDF))
    with pytest.raises(ServiceError, match="ikke en fil vi kan ta imot"):
        payout_attachment_add(
            payout,
            actor=project_member,
            uploaded_file=SimpleUploadedFile("bilag.pdf", b"MZ\x90\x00 not a pdf"),
        )
    payout_approve(payout, actor=board.leader)
    with pytest.raises(ServiceError, match="vedlegg kan ikke legges til"):
        payout_attachment_add(
            payout, actor=project_member, uploaded_file=SimpleUploadedFile("bilag2.pdf", PDF)
        )
    assert payout.attachments.count() == 1
