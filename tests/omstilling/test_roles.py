"""Role groups for the admin, and which programmes a person may see."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.management import call_command
from django.utils import timezone

from omstilling.models import BoardMembership, StaffMembership
from omstilling.roles import (
    APPLICANT,
    BOARD_MEMBER,
    OBSERVER,
    PROGRAMME_LEADER,
    ROLE_PERMISSIONS,
    programmes_for_board,
    programmes_for_staff,
    programmes_visible_to,
    role_groups_sync,
    role_permission_codenames,
)
from tests.factories import BoardMembershipFactory, ProgrammeFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(**kwargs):
    # The factory's default name comes from Faker's "nb_NO" locale, which Faker does not have.
    return UserFactory(full_name="Kari Nordmann", **kwargs)


def held(group_name):
    group = Group.objects.get(name=group_name)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def member_of(group_name):
    """A fresh user in the group, as the auth backend sees them (permissions cache empty)."""
    user = person(is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return type(user).objects.get(pk=user.pk)


def test_migrate_leaves_every_role_group_with_exactly_its_declared_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        PROGRAMME_LEADER,
        BOARD_MEMBER,
        OBSERVER,
        APPLICANT,
    }
    for group_name in ROLE_PERMISSIONS:
        assert held(group_name) == role_permission_codenames(group_name), group_name
    assert role_groups_sync() == {}


def test_migrate_recreates_a_deleted_group_and_repairs_its_permissions():
    Group.objects.get(name=OBSERVER).delete()
    leader = Group.objects.get(name=PROGRAMME_LEADER)
    leader.permissions.add(Permission.objects.get(codename="delete_decision"))
    leader.permissions.remove(Permission.objects.get(codename="add_payout"))

    call_command("migrate", verbosity=0, interactive=False, stdout=StringIO())

    assert held(OBSERVER) == role_permission_codenames(OBSERVER)
    assert held(PROGRAMME_LEADER) == role_permission_codenames(PROGRAMME_LEADER)


def test_syncing_twice_changes_nothing():
    role_groups_sync()
    before = {group_name: held(group_name) for group_name in ROLE_PERMISSIONS}
    group_ids = dict(Group.objects.values_list("name", "pk"))

    role_groups_sync()

    assert {group_name: held(group_name) for group_name in ROLE_PERMISSIONS} == before
    assert dict(Group.objects.values_list("name", "pk")) == group_ids


def test_programme_leader_handles_cases_but_never_edits_or_deletes_a_decision():
    leader = member_of(PROGRAMME_LEADER)

    for perm in (
        "applications.change_application",
        "applications.add_boardcase",
        "applications.add_decision",
        "applications.view_decision",
        "projects.change_payout",
        "projects.add_grant",
        "projects.add_resultreport",
        "reports.add_reportjob",
        "omstilling.add_call",
        "omstilling.change_planperiod",
        "omstilling.add_goal",
    ):
        assert leader.has_perm(perm), perm
    for perm in (
        "applications.change_decision",
        "applications.delete_decision",
        "applications.add_vote",
        "projects.delete_payout",
        "omstilling.add_programme",
        "omstilling.change_boardmembership",
    ):
        assert not leader.has_perm(perm), perm


def test_board_member_reads_the_case_and_votes_but_cannot_change_the_application():
    member = member_of(BOARD_MEMBER)

    for perm in (
        "applications.view_application",
        "applications.view_boardcase",
        "applications.view_decision",
        "applications.add_vote",
        "applications.change_vote",
        "applications.add_conflictdeclaration",
        "applications.change_conflictdeclaration",
    ):
        assert member.has_perm(perm), perm
    for perm in (
        "applications.change_application",
        "applications.add_decision",
        "applications.change_boardcase",
        "projects.view_grant",
    ):
        assert not member.has_perm(perm), perm


def test_observer_only_reads_applications_cases_and_decisions():
    observer = member_of(OBSERVER)

    assert observer.has_perm("applications.view_application")
    assert observer.has_perm("applications.view_boardcase")
    assert observer.has_perm("applications.view_decision")
    assert not any(codename.startswith(("add_", "change_", "delete_")) for _label, codename in held(OBSERVER))
    assert not observer.has_perm("applications.add_vote")


def test_applicant_group_grants_nothing_in_the_admin():
    assert held(APPLICANT) == set()


def test_staff_see_only_programmes_where_their_membership_is_active():
    user = person()
    mine = StaffMembershipFactory(user=user).programme
    StaffMembershipFactory(user=user, is_active=False)
    StaffMembershipFactory(user=person())

    assert list(programmes_for_staff(user)) == [mine]
    assert list(programmes_for_board(user)) == []


def test_board_seats_count_while_active_and_within_their_dates():
    user = person()
    today = timezone.localdate()
    chair = BoardMembershipFactory(user=user, role=BoardMembership.Role.CHAIR).programme
    observer = BoardMembershipFactory(user=user, role=BoardMembership.Role.OBSERVER, valid_to=today).programme
    BoardMembershipFactory(user=user, is_active=False)
    BoardMembershipFactory(user=user, valid_to=today - dt.timedelta(days=1))
    BoardMembershipFactory(user=user, valid_from=today + dt.timedelta(days=1))
    BoardMembershipFactory(user=person())

    assert set(programmes_for_board(user)) == {chair, observer}
    assert list(programmes_for_staff(user)) == []


def test_programmes_visible_to_combines_staff_and_board_roles():
    user = person()
    led = StaffMembershipFactory(user=user, role=StaffMembership.Role.LEADER).programme
    sits_on = BoardMembershipFactory(user=user).programme
    BoardMembershipFactory(user=user, programme=led, role=BoardMembership.Role.OBSERVER)
    ProgrammeFactory()

    visible = programmes_visible_to(user)

    assert set(visible) == {led, sits_on}
    assert visible.count() == 2


def test_superuser_sees_every_programme_and_strangers_none():
    programmes = {ProgrammeFactory(), ProgrammeFactory()}
    superuser = person(is_superuser=True, is_staff=True)

    assert set(programmes_visible_to(superuser)) == programmes
    assert not programmes_visible_to(person()).exists()
    assert not programmes_visible_to(AnonymousUser()).exists()
    assert not programmes_for_staff(AnonymousUser()).exists()
    assert not programmes_for_board(AnonymousUser()).exists()
