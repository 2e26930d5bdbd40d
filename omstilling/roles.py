"""The portal's roles: Django auth groups for the admin, and which programmes a person may see.

A group says what kind of rows a person may touch in the admin; it says nothing about *which*
programme. That scoping comes from :class:`~omstilling.models.StaffMembership` and
:class:`~omstilling.models.BoardMembership`, read through the helpers below.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

from .models import BoardMembership, Programme

PROGRAMME_LEADER = "Programleder"
BOARD_MEMBER = "Styremedlem"
OBSERVER = "Observatør"
APPLICANT = "Søker"

VIEW = ("view",)
EDIT = ("view", "add", "change")
MAINTAIN = ("view", "add", "change", "delete")

# What the board reads to decide a case: the application as submitted and the assessment.
CASE_FILE = {
    "applications.application": VIEW,
    "applications.applicationsnapshot": VIEW,
    "applications.costline": VIEW,
    "applications.financingline": VIEW,
    "applications.attachment": VIEW,
    "applications.assessment": VIEW,
    "applications.assessmentscore": VIEW,
    "applications.boardmeeting": VIEW,
    "applications.boardcase": VIEW,
    "applications.decision": VIEW,
    # An appeal (klage) on the board's decision, which the board reconsiders (forvaltningsloven § 33).
    "applications.appeal": VIEW,
}

# Model permissions per group, as {"app_label.model": actions}. Nobody but the site admin
# deletes a case-handling row: corrections are new rows, and the audit log refers to the old ones.
# Plan rows (sub-goals, goals, allocations …) are descriptions the leader maintains freely.
ROLE_PERMISSIONS = {
    PROGRAMME_LEADER: {
        "omstilling.programme": ("view", "change"),
        "omstilling.municipality": VIEW,
        "omstilling.planperiod": EDIT,
        "omstilling.subgoal": MAINTAIN,
        "omstilling.focusarea": EDIT,
        "omstilling.goal": MAINTAIN,
        "omstilling.indicator": EDIT,
        "omstilling.indicatorvalue": MAINTAIN,
        "omstilling.fundingsource": EDIT,
        "omstilling.funding": MAINTAIN,
        "omstilling.budgetallocation": MAINTAIN,
        "omstilling.call": EDIT,
        "omstilling.boardmembership": VIEW,
        "omstilling.staffmembership": VIEW,
        "omstilling.auditentry": VIEW,
        "applications.organisation": EDIT,
        "applications.organisationmembership": VIEW,
        "applications.application": EDIT,
        "applications.applicationsnapshot": VIEW,
        "applications.costline": EDIT,
        "applications.financingline": EDIT,
        "applications.attachment": EDIT,
        "applications.assessmentcriterion": EDIT,
        "applications.assessment": EDIT,
        "applications.assessmentscore": EDIT,
        "applications.boardmeeting": EDIT,
        "applications.boardcase": EDIT,
        "applications.conflictdeclaration": VIEW,
        "applications.vote": VIEW,
        "applications.casestandin": VIEW,
        # A decision is immutable once recorded; a correction is a new decision.
        "applications.decision": ("view", "add"),
        # Lodged by the applicant; put before the board through its own page (case_add_appeal).
        "applications.appeal": VIEW,
        # The journal is written by the services; staff only screen what the public version withholds.
        "applications.journalentry": ("view", "change"),
        "projects.grant": EDIT,
        "projects.payout": EDIT,
        "projects.payoutattachment": EDIT,
        "projects.resultreport": EDIT,
        "projects.resultfunding": EDIT,
        # Decided through the service's confirmation pages; never added or deleted in the admin.
        "projects.deadlineextension": ("view", "change"),
        "projects.grantreminder": VIEW,
        "reports.reportjob": EDIT,
    },
    BOARD_MEMBER: {
        **CASE_FILE,
        "omstilling.programme": VIEW,
        "applications.vote": EDIT,
        "applications.casestandin": VIEW,
        "applications.conflictdeclaration": EDIT,
    },
    OBSERVER: {
        **CASE_FILE,
        "omstilling.programme": VIEW,
    },
    # Applicants work in the portal on their own organisation's applications, never in the admin.
    APPLICANT: {},
}


def role_permission_codenames(group_name):
    """{(app_label, codename)} the group should hold."""
    return {
        (model_label.split(".")[0], f"{action}_{model_label.split('.')[1]}")
        for model_label, actions in ROLE_PERMISSIONS[group_name].items()
        for action in actions
    }


def role_groups_sync(*, using=DEFAULT_DB_ALIAS, apps=global_apps):
    """Create the role groups and set their permissions to exactly :data:`ROLE_PERMISSIONS`.

    Idempotent. Returns {group name: [(app_label, codename)] declared but not in the database},
    which is empty unless a declared model is missing from the current migration state.
    """
    Group = apps.get_model("auth", "Group")  # noqa: N806 - a model class
    Permission = apps.get_model("auth", "Permission")  # noqa: N806
    missing = {}
    for group_name in ROLE_PERMISSIONS:
        wanted = role_permission_codenames(group_name)
        app_labels = {app_label for app_label, _codename in wanted}
        found = {
            (permission.content_type.app_label, permission.codename): permission.pk
            for permission in Permission.objects.using(using)
            .filter(content_type__app_label__in=app_labels)
            .select_related("content_type")
        }
        group, _created = Group.objects.using(using).get_or_create(name=group_name)
        # set() only adds and removes the difference, so a second run writes nothing.
        group.permissions.set([found[key] for key in wanted if key in found])
        missing[group_name] = sorted(wanted - found.keys())
    return {name: keys for name, keys in missing.items() if keys}


def role_groups_on_post_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """post_migrate receiver (connected for this app only, so it runs once per migrate).

    Django creates an app's permissions in its own post_migrate call, and the apps after this one
    in INSTALLED_APPS have not had theirs yet, so they are created here first.
    """
    try:
        apps.get_model("auth", "Group")
    except LookupError:
        return
    labels = {model_label.split(".")[0] for spec in ROLE_PERMISSIONS.values() for model_label in spec}
    for label in sorted(labels):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
    role_groups_sync(using=using, apps=apps)


def programmes_for_staff(user):
    """Programmes where ``user`` is active staff (programme leader or case handler)."""
    if not user.is_authenticated:
        return Programme.objects.none()
    return Programme.objects.filter(
        pk__in=user.staff_memberships.filter(is_active=True).values("programme_id")
    )


def programmes_for_board(user):
    """Programmes where ``user`` holds an active board seat today, observers and deputies included."""
    if not user.is_authenticated:
        return Programme.objects.none()
    seats = BoardMembership.objects.valid_on().filter(user=user)
    return Programme.objects.filter(pk__in=seats.values("programme_id"))


def programmes_visible_to(user):
    """Every programme for a superuser; otherwise those where the user is staff or on the board."""
    if user.is_authenticated and user.is_superuser:
        return Programme.objects.all()
    return Programme.objects.filter(
        Q(pk__in=programmes_for_staff(user).values("pk")) | Q(pk__in=programmes_for_board(user).values("pk"))
    )
