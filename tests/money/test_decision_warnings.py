"""Before the board grants money it is warned of a call budget exceeded, a programme budget that does
not cover the grant and de minimis aid above the EEA ceiling; the programme's budget is enforced."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import vote_cast
from applications.models import Application, Decision, Vote
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from tests.board.conftest import application_to_board, open_case

from .conftest import fund, grant_in

pytestmark = pytest.mark.django_db


def _case_page(client, user, case):
    client.force_login(user)
    response = client.get(reverse("admin:applications_boardcase_vote", args=[case.pk]))
    assert response.status_code == 200
    return response.context["decision_warnings"], response.content.decode()


def _all_vote_for(board, case):
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)


def test_de_minimis_above_the_ceiling_is_warned_on_the_case_page(client, board):
    # 300 000 EUR at 11,75 is 3 525 000 kr; 3 300 000 declared + 350 000 proposed passes it.
    application = application_to_board(
        board, de_minimis_declared=True, de_minimis_received=Decimal(3_300_000)
    )
    case = open_case(board, application)

    warnings, text = _case_page(client, board.chair.user, case)

    assert len(warnings) == 1
    assert "Bagatellstøtte" in warnings[0]
    assert (
        "3\u00a0650\u00a0000 kr" in warnings[0]
        and "300\u00a0000 euro (3\u00a0525\u00a0000 kr)" in warnings[0]
    )
    assert "Før styret gir tilsagn" in text
    with override_settings(DE_MINIMIS_EUR_RATE="12.5"):
        assert _case_page(client, board.chair.user, case)[0] == []


def test_de_minimis_below_the_ceiling_or_not_declared_gives_no_warning(client, board):
    below = application_to_board(board, de_minimis_declared=True, de_minimis_received=Decimal(1_000_000))
    undeclared = application_to_board(
        board, title="Ny sveiselinje", de_minimis_declared=False, de_minimis_received=Decimal(3_300_000)
    )
    for application in (below, undeclared):
        warnings, text = _case_page(client, board.chair.user, open_case(board, application))
        assert warnings == []
        assert "Før styret gir tilsagn" not in text


def test_call_budget_exceeded_is_warned_and_kept_with_the_decision(client, board):
    application = application_to_board(board)  # the call's ramme is 1 900 000
    earlier = grant_in(board.programme, amount=1_600_000)
    Application.objects.filter(pk=earlier.application_id).update(call=application.call)
    case = open_case(board, application)

    warnings, _text = _case_page(client, board.chair.user, case)
    assert len(warnings) == 1
    assert "Utlysningens ramme overskrides" in warnings[0]
    assert "1\u00a0950\u00a0000 kr" in warnings[0]

    _all_vote_for(board, case)
    decision = case_close(case, actor=board.chair.user)

    assert decision.outcome == Decision.Outcome.APPROVED
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Decision), object_id=str(decision.pk)
    )
    assert entry.data["warnings"] == [str(warnings[0])]
    # Once decided, the page no longer warns: the decision stands.
    assert _case_page(client, board.chair.user, case)[0] == []


def test_a_grant_beyond_the_programmes_budget_is_warned_and_refused(client, board):
    fund(board.programme, timezone.localdate().year, 300_000)
    application = application_to_board(board, amount=Decimal(350_000))
    case = open_case(board, application)

    warnings, _text = _case_page(client, board.chair.user, case)
    assert warnings == [
        f"Programmet har 300\u00a0000 kr tilgjengelig for {timezone.localdate().year}; "
        "et tilsagn på 350\u00a0000 kr kan ikke gis før budsjettet dekker det."
    ]

    _all_vote_for(board, case)
    with pytest.raises(ServiceError, match="mer enn programmet har tilgjengelig"):
        case_close(case, actor=board.chair.user)
    assert not Decision.objects.filter(case=case).exists()

    fund(board.programme, timezone.localdate().year - 1, 100_000)  # carried forward: now 400 000
    decision = case_close(case, actor=board.chair.user)
    assert decision.grant.amount == 350_000
