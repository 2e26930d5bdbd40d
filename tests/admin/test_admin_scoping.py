"""Every permission is per programme: staff and board see only their own programmes in the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Letter, Organisation, OrganisationMembership
from omstilling.audit import audit_log
from omstilling.models import AuditEntry, BoardMembership, Call, StaffMembership, User
from tests.admin.rows import person
from tests.factories import (
    ApplicationFactory,
    BoardCaseFactory,
    BoardMeetingFactory,
    BoardMembershipFactory,
    DecisionFactory,
    FocusAreaFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
)

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _grant(user, *codenames):
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))


@pytest.fixture
def vestre_toten():
    return ProgrammeFactory(
        slug="vestre-toten", name="Omstillingsprogrammet i Vestre Toten", short_name="Vestre Toten"
    )


@pytest.fixture
def elverum():
    return ProgrammeFactory(
        slug="elverumregionen", name="Omstillingsprogrammet for Elverumregionen", short_name="Elverum"
    )


@pytest.fixture
def toten_application(vestre_toten):
    return ApplicationFactory(programme=vestre_toten, title="Velferdsteknologi på Raufoss")


@pytest.fixture
def elverum_application(elverum):
    return ApplicationFactory(programme=elverum, title="Bioøkonomi i Elverum")


def _staff_user(email, *codenames):
    user = person(email=email, is_staff=True)
    _grant(user, *codenames)
    return user


@pytest.fixture
def toten_leader(vestre_toten):
    user = _staff_user(
        "leder@vestre-toten.no",
        "view_application",
        "change_application",
        "view_organisation",
        "view_call",
        "add_call",
        "view_user",
        "view_auditentry",
    )
    StaffMembershipFactory(user=user, programme=vestre_toten, role=StaffMembership.Role.LEADER)
    return user


def _listed(client, model, **params):
    response = client.get(_url(model, "changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_programme_staff_see_only_their_programmes_applications(
    client, toten_leader, toten_application, elverum_application
):
    client.force_login(toten_leader)

    assert _listed(client, Application) == [toten_application]


def test_programme_staff_cannot_open_another_programmes_application(
    client, toten_leader, toten_application, elverum_application
):
    client.force_login(toten_leader)

    own = client.get(_url(Application, "change", toten_application.pk))
    other = client.get(_url(Application, "change", elverum_application.pk))

    assert own.status_code == 200
    assert other.status_code == 302
    assert other.url == reverse("admin:index")
    assert "Bioøkonomi" not in client.get(other.url).content.decode()


def test_programme_staff_cannot_edit_another_programmes_application_by_posting(
    client, toten_leader, elverum_application
):
    client.force_login(toten_leader)

    client.post(_url(Application, "change", elverum_application.pk), {"title": "Kapret"})

    elverum_application.refresh_from_db()
    assert elverum_application.title == "Bioøkonomi i Elverum"


def test_superuser_sees_every_programme(admin_client, toten_application, elverum_application):
    assert set(_listed(admin_client, Application)) == {toten_application, elverum_application}
    assert admin_client.get(_url(Application, "change", elverum_application.pk)).status_code == 200


def test_applicant_without_staff_status_is_sent_to_the_admin_login(client, toten_application):
    applicant = person(email="soker@bedrift.no")
    OrganisationMembershipFactory(organisation=toten_application.organisation, user=applicant)
    client.force_login(applicant)

    response = client.get(_url(Application, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_active_board_member_sees_the_programme_and_a_past_member_does_not(
    client, vestre_toten, toten_application, elverum_application
):
    member = _staff_user("styremedlem@toten.no", "view_application")
    BoardMembershipFactory(user=member, programme=vestre_toten, role=BoardMembership.Role.MEMBER)
    former = _staff_user("tidligere@toten.no", "view_application")
    BoardMembershipFactory(
        user=former,
        programme=vestre_toten,
        role=BoardMembership.Role.MEMBER,
        valid_to=timezone.localdate() - dt.timedelta(days=1),
    )

    Application.objects.filter(pk=toten_application.pk).update(state=Application.State.TO_BOARD)
    BoardCaseFactory(meeting__programme=vestre_toten, application=toten_application)
    ApplicationFactory(
        programme=vestre_toten,
        call=toten_application.call,
        focus_area=toten_application.focus_area,
        title="Et utkast styret ikke ser",
    )

    client.force_login(member)
    assert _listed(client, Application) == [toten_application]
    client.force_login(former)
    assert _listed(client, Application) == []


def test_board_member_sees_only_the_applications_on_the_agenda_never_a_draft(
    client, vestre_toten, toten_application
):
    member = _staff_user("styremedlem@toten.no", "view_application")
    BoardMembershipFactory(user=member, programme=vestre_toten, role=BoardMembership.Role.MEMBER)
    submitted = ApplicationFactory(
        programme=vestre_toten,
        call=toten_application.call,
        focus_area=toten_application.focus_area,
        state=Application.State.SUBMITTED,
    )
    client.force_login(member)

    assert _listed(client, Application) == []
    for application in (toten_application, submitted):
        assert client.get(_url(Application, "change", application.pk)).status_code == 302

    BoardCaseFactory(meeting__programme=vestre_toten, application=submitted)
    assert _listed(client, Application) == [submitted]
    assert client.get(_url(Application, "change", submitted.pk)).status_code == 200

    # A draft is never read by the board, even one that stood on an agenda (the services never put
    # one there; a row written by hand must not open it either).
    BoardCaseFactory(meeting__programme=vestre_toten, application=toten_application)
    assert toten_application.state == Application.State.DRAFT
    assert _listed(client, Application) == [submitted]


def test_inactive_staff_membership_gives_no_access(client, vestre_toten, toten_application):
    user = _staff_user("sluttet@toten.no", "view_application")
    StaffMembershipFactory(user=user, programme=vestre_toten, is_active=False)
    client.force_login(user)

    assert _listed(client, Application) == []
    assert client.get(_url(Application, "change", toten_application.pk)).status_code == 302


def test_programme_choices_in_forms_and_filters_are_the_users_own(
    client, toten_leader, vestre_toten, elverum, toten_application, elverum_application
):
    gjovik = ProgrammeFactory(slug="gjovikregionen", name="Omstillingsprogrammet i Gjøvikregionen")
    BoardMembershipFactory(user=toten_leader, programme=gjovik, role=BoardMembership.Role.OBSERVER)
    ApplicationFactory(programme=gjovik)
    client.force_login(toten_leader)

    add_call = client.get(_url(Call, "add"))
    assert set(add_call.context["adminform"].form.fields["programme"].queryset) == {vestre_toten, gjovik}

    changelist = client.get(_url(Application, "changelist"))
    programme_filter = next(
        spec
        for spec in changelist.context["cl"].filter_specs
        if getattr(spec, "field_path", None) == "programme"
    )
    assert {label for _pk, label in programme_filter.lookup_choices} == {vestre_toten.name, gjovik.name}
    assert "Elverumregionen" not in changelist.content.decode()


def test_staff_cannot_open_a_call_in_another_programme(client, toten_leader, elverum):
    client.force_login(toten_leader)
    now = timezone.now()

    response = client.post(
        _url(Call, "add"),
        {
            "programme": elverum.pk,
            "year": now.year,
            "title": "Utlysning i feil program",
            "budget": "1000000",
            "opens_at_0": now.date().isoformat(),
            "opens_at_1": "08:00",
            "deadline_0": (now + dt.timedelta(days=30)).date().isoformat(),
            "deadline_1": "23:59",
            "admits_forstudie": "on",
        },
    )

    assert response.status_code == 200
    assert "programme" in response.context["adminform"].form.errors
    assert not Call.objects.filter(title="Utlysning i feil program").exists()


def test_applicant_organisations_are_listed_once_and_only_for_their_programme(
    client, toten_leader, vestre_toten, elverum
):
    toten_firm = OrganisationFactory(name="Raufoss Industripark AS")
    first = ApplicationFactory(programme=vestre_toten, organisation=toten_firm)
    ApplicationFactory(programme=vestre_toten, organisation=toten_firm, focus_area=first.focus_area)
    elverum_area = FocusAreaFactory(plan_period__programme=elverum)
    ApplicationFactory(programme=elverum, organisation=toten_firm, focus_area=elverum_area)
    contact = OrganisationMembershipFactory(organisation=toten_firm, user=person())
    elverum_firm = OrganisationFactory(name="Glommen Skog SA")
    ApplicationFactory(programme=elverum, organisation=elverum_firm, focus_area=elverum_area)
    OrganisationMembershipFactory(organisation=elverum_firm, user=person())
    _grant(toten_leader, "view_organisationmembership")
    client.force_login(toten_leader)

    organisations = _listed(client, Organisation)
    assert organisations == [toten_firm]
    # The count says nothing about what the firm applied for elsewhere.
    assert organisations[0].application_count == 2
    assert _listed(client, OrganisationMembership) == [contact]


def test_staff_look_up_their_programmes_people_but_cannot_change_them(
    client, toten_leader, toten_application, elverum, elverum_application
):
    applicant = person(email="soker@raufoss.no")
    OrganisationMembershipFactory(organisation=toten_application.organisation, user=applicant)
    elverum_member = person(email="styre@elverum.no")
    BoardMembershipFactory(user=elverum_member, programme=elverum)
    BoardMembershipFactory(user=applicant, programme=elverum, role=BoardMembership.Role.OBSERVER)
    client.force_login(toten_leader)

    response = client.get(_url(User, "changelist"))
    assert set(response.context["cl"].result_list) == {toten_leader, applicant}
    assert "Programleder (Vestre Toten)" in response.content.decode()
    assert "Observatør (Elverum)" not in response.content.decode()
    page = client.get(_url(User, "change", applicant.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(_url(User, "change", elverum_member.pk)).status_code == 302


def test_audit_entries_of_other_programmes_stay_hidden(
    client, toten_leader, toten_application, elverum_application
):
    audit_log(actor=None, obj=toten_application, action="state:submitted", reason="Toten")
    audit_log(actor=None, obj=elverum_application, action="state:submitted", reason="Elverum")
    client.force_login(toten_leader)

    assert [entry.reason for entry in _listed(client, AuditEntry)] == ["Toten"]


def test_application_lookup_in_a_board_case_offers_only_the_users_programme(
    client, toten_leader, toten_application, elverum_application
):
    _grant(toten_leader, "add_boardcase")
    client.force_login(toten_leader)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "applications", "model_name": "boardcase", "field_name": "application", "term": ""},
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(toten_application.pk)]


def test_letters_and_minutes_follow_their_decision_or_meeting(
    client, toten_leader, vestre_toten, toten_application, elverum_application
):
    def letter(**kwargs):
        return Letter.objects.create(file=f"letters/{kwargs['kind']}/x.pdf", sha256="0" * 64, **kwargs)

    toten_letter = letter(
        kind=Letter.Kind.GRANT_LETTER, decision=DecisionFactory(application=toten_application)
    )
    toten_minutes = letter(kind=Letter.Kind.MINUTES, meeting=BoardMeetingFactory(programme=vestre_toten))
    letter(kind=Letter.Kind.REJECTION_LETTER, decision=DecisionFactory(application=elverum_application))
    _grant(toten_leader, "view_letter")
    client.force_login(toten_leader)

    assert set(_listed(client, Letter)) == {toten_letter, toten_minutes}
