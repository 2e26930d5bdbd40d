"""The programme leader's limits for who attests the project accounts, edited on the programme's admin
page, are what the grant holder's payout page then states."""

from decimal import Decimal

import pytest
from django.urls import reverse

from omstilling.models import Programme
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _posted(response, **changes):
    """The admin change form as it stands, with ``changes``."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(item) for item in value] if isinstance(value, list | tuple) else str(value)
    data.update(changes)
    return data


def test_the_limits_are_edited_per_programme_in_the_admin_and_kept_in_order(client, board):
    admin = UserFactory(email="drift@omstilling.no", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:omstilling_programme_change", args=[board.programme.pk])
    page = client.get(url)
    assert "Prosjektregnskap ved sluttutbetaling" in page.content.decode()

    wrong = client.post(
        url, _posted(page, accounts_leader_limit="200000", accounts_accountant_limit="150000")
    )
    assert wrong.status_code == 200
    assert "Grensen for autorisert regnskapsfører kan ikke være lavere" in wrong.content.decode()
    programme = Programme.objects.get(pk=board.programme.pk)
    assert (programme.accounts_leader_limit, programme.accounts_accountant_limit) == (100000, 600000)

    saved = client.post(
        url, _posted(page, accounts_leader_limit="150000", accounts_accountant_limit="750000")
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    programme.refresh_from_db()
    assert (programme.accounts_leader_limit, programme.accounts_accountant_limit) == (
        Decimal(150000),
        Decimal(750000),
    )
