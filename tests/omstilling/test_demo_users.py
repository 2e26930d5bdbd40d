"""``seed_demo_users``: a login for every role in both programmes, in development only."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from stdnum.no import orgnr

from applications.models import Organisation, OrganisationMembership
from omstilling.models import BoardMembership, Programme, StaffMembership, User
from omstilling.roles import APPLICANT, BOARD_MEMBER, OBSERVER, PROGRAMME_LEADER

pytestmark = pytest.mark.django_db

PASSWORD = "omstilling-demo"
SLUGS = ("vestre-toten", "elverumregionen")


@pytest.fixture
def demo_settings(settings):
    settings.DEMO_USERS = True
    return settings


@pytest.fixture
def programmes():
    call_command("seed_programmes", stdout=StringIO())


def seed_demo_users():
    out = StringIO()
    call_command("seed_demo_users", stdout=out)
    return out.getvalue()


def groups_of(email):
    return set(User.objects.get(email=email).groups.values_list("name", flat=True))


def test_refuses_to_run_unless_demo_users_are_enabled(settings, programmes):
    settings.DEMO_USERS = False

    with pytest.raises(CommandError, match="DEMO_USERS"):
        seed_demo_users()

    assert not User.objects.exists()


def test_refuses_to_run_before_the_programmes_are_seeded(demo_settings):
    with pytest.raises(CommandError, match="seed_programmes"):
        seed_demo_users()

    assert not User.objects.exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_role_gets_a_demo_login_in_each_programme(demo_settings, programmes, slug):
    seed_demo_users()
    programme = Programme.objects.get(slug=slug)

    leader = StaffMembership.objects.get(programme=programme, user__email=f"leder@{slug}.demo")
    assert leader.role == StaffMembership.Role.LEADER
    assert leader.user.is_staff and not leader.user.is_superuser
    assert groups_of(f"leder@{slug}.demo") == {PROGRAMME_LEADER}

    seats = {
        seat.user.email: (seat.role, seat.represents)
        for seat in BoardMembership.objects.filter(programme=programme, is_active=True).select_related("user")
    }
    assert seats == {
        f"styreleder@{slug}.demo": ("chair", ""),
        f"styremedlem1@{slug}.demo": ("member", ""),
        f"styremedlem2@{slug}.demo": ("member", ""),
        f"observator@{slug}.demo": ("observer", "Innovasjon Norge"),
    }
    assert groups_of(f"styreleder@{slug}.demo") == {BOARD_MEMBER}
    assert groups_of(f"observator@{slug}.demo") == {OBSERVER}
    voters = [m for m in BoardMembership.objects.filter(programme=programme) if m.has_vote]
    assert len(voters) == 3

    membership = OrganisationMembership.objects.get(user__email=f"soker@{slug}.demo")
    assert membership.role == OrganisationMembership.Role.ADMIN
    assert orgnr.is_valid(membership.organisation.orgnr)
    assert membership.organisation.municipality in programme.municipalities.all()
    assert not membership.user.is_staff
    assert groups_of(f"soker@{slug}.demo") == {APPLICANT}


def test_site_admin_is_a_superuser(demo_settings, programmes):
    seed_demo_users()

    admin = User.objects.get(email="admin@omstilling.demo")
    assert admin.is_superuser and admin.is_staff


def test_demo_logins_work_with_the_shared_password(demo_settings, programmes, client):
    seed_demo_users()

    for email in ("leder@vestre-toten.demo", "soker@elverumregionen.demo", "admin@omstilling.demo"):
        assert client.login(email=email, password=PASSWORD), email
        client.logout()
    assert not client.login(email="leder@vestre-toten.demo", password="feil-passord")


def test_output_lists_every_login_with_role_programme_and_password(demo_settings, programmes):
    output = seed_demo_users()

    lines = output.splitlines()
    assert lines[0].split() == ["E-post", "Rolle", "Program", "Passord"]
    logins = [line for line in lines[2:] if line.strip()]
    assert len(logins) == 2 * 6 + 1
    assert all(line.endswith(PASSWORD) for line in logins)
    leader = next(line for line in logins if line.startswith("leder@vestre-toten.demo"))
    assert "Programleder" in leader and "Vestre Toten" in leader
    observer = next(line for line in logins if line.startswith("observator@elverumregionen.demo"))
    assert "Innovasjon Norge" in observer and "Elverumregionen" in observer


def test_running_twice_creates_and_changes_nothing(demo_settings, programmes):
    seed_demo_users()

    def state():
        return {
            "users": list(
                User.objects.order_by("pk").values_list(
                    "pk", "email", "password", "is_staff", "is_superuser", "email_verified_at", "full_name"
                )
            ),
            "groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
            "staff": list(StaffMembership.objects.order_by("pk").values_list("pk", "user_id", "role")),
            "board": list(BoardMembership.objects.order_by("pk").values_list("pk", "user_id", "role")),
            "organisations": list(Organisation.objects.order_by("pk").values_list("pk", "orgnr", "name")),
            "memberships": list(OrganisationMembership.objects.order_by("pk").values_list("pk", "role")),
            "group_names": sorted(Group.objects.values_list("name", flat=True)),
        }

    before = state()
    seed_demo_users()

    assert state() == before
    assert len(before["users"]) == 13


def test_a_forgotten_demo_password_is_reset_by_running_again(demo_settings, programmes):
    seed_demo_users()
    user = User.objects.get(email="styreleder@vestre-toten.demo")
    user.set_password("noe-annet-123")
    user.save()

    seed_demo_users()

    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_demo_applicant_has_an_offered_grant_made_by_the_demo_board(demo_settings, programmes):
    from applications.models import Application, Decision
    from omstilling.models import AuditEntry
    from projects.models import Grant

    seed_demo_users()
    seed_demo_users()  # again: nothing more

    grant = Grant.objects.get(application__title__startswith="Demo:")
    application = grant.application
    assert grant.state == Grant.State.OFFERED and grant.amount == 300000
    assert application.organisation.orgnr == "924000015"
    assert application.state == Application.State.APPROVED
    assert application.snapshot is not None  # submitted through the portal's service
    decision = Decision.objects.get(application=application)
    assert decision.case is not None and decision.votes_for == len(decision.voters) > 0
    # The real path leaves the real audit trail, from the draft to the offer.
    actions = set(AuditEntry.objects.filter(object_id=str(application.pk)).values_list("action", flat=True))
    assert "application_create" in actions
    assert AuditEntry.objects.filter(object_id=str(grant.pk), action="state:offered").exists()
