"""The organisation that holds a grant is the "tilsagnsmottaker" on every grant page, in the portal and
in the admin alike: it was the "søker" while it applied, but a grant page calling it that beside the
admin calling it the recipient made two names for one field (GLOSSARY: søknad/søker, tilsagn)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Grant

from .conftest import requested

pytestmark = pytest.mark.django_db

APPLICANT_WORD = re.compile(r"\bSøker(en)?\b")


def _admin(name, obj):
    return reverse(f"admin:projects_{name}", args=[obj.pk])


def _label_of(page, value):
    """The label (a <dt>) the page gives the line whose value is ``value``."""
    match = re.search(rf"<dt>([^<]*)</dt>\s*<dd>{re.escape(value)}</dd>", page)
    assert match, f"no labelled line shows {value!r}"
    return match.group(1)


def _column_headings(page):
    return [heading.strip() for heading in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page)]


def test_project_member_sees_the_organisation_as_tilsagnsmottaker_on_its_grant_pages(
    client, grant, project_member
):
    client.force_login(project_member)

    my_grants = client.get(reverse("my_grants")).content.decode()
    detail = client.get(reverse("grant_detail", args=[grant.pk])).content.decode()

    assert "Tilsagnsmottaker" in _column_headings(my_grants)
    assert _label_of(detail, "Raufoss Velferd AS") == "Tilsagnsmottaker"
    for page in (my_grants, detail):
        assert not APPLICANT_WORD.search(page)


def test_leader_sees_the_organisation_as_tilsagnsmottaker_on_every_grant_screen(client, board, grant):
    client.force_login(board.leader)
    approved_payout = requested(grant, 30000)
    paid_payout = requested(grant, 20000)
    paid_payout.state = paid_payout.State.APPROVED
    paid_payout.approved_at = timezone.now()
    paid_payout.save()

    changelist = client.get(reverse("admin:projects_grant_changelist"))
    headers = [str(header["text"]) for header in changelist.context["result_headers"]]
    pages = {
        name: client.get(_admin(name, obj)).content.decode()
        for name, obj in [
            ("grant_change", grant),
            ("grant_reduce", grant),
            ("grant_cancel", grant),
            ("payout_approve", approved_payout),
            ("payout_paid", paid_payout),
        ]
    }

    assert "tilsagnsmottaker" in headers and "søker" not in headers
    for name in ("grant_change", "grant_reduce", "grant_cancel", "payout_approve"):
        assert _label_of(pages[name], "Raufoss Velferd AS") == "Tilsagnsmottaker", name
    # Who is told, on each confirmation page, and who is told the reason.
    for name in ("grant_reduce", "grant_cancel", "payout_approve", "payout_paid"):
        assert "Tilsagnsmottakeren får beskjed på e-post." in pages[name], name
    for name in ("grant_reduce", "grant_cancel"):
        assert "Tilsagnsmottakeren får begrunnelsen på e-post" in pages[name], name
    for name, page in pages.items():
        assert not APPLICANT_WORD.search(page), name
    assert Grant.objects.get(pk=grant.pk).state == Grant.State.ACCEPTED  # looking changed nothing
