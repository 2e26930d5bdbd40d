"""Loading the rows of this app that the reference programmes and their demo users need.

The programmes app (``omstilling``) loads the programmes and the staff and board demo users, and
imports no app above it; so the assessment criteria, the demo applicants and their organisations are
loaded here, just as idempotently, with the same :meth:`omstilling.services.SeedResult.upsert`. Only
the system runs them (the ``seed_programmes`` and ``seed_demo_users`` commands).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import AssessmentCriterion, Organisation, OrganisationMembership
from omstilling import roles, seed
from omstilling.exceptions import ServiceError
from omstilling.models import Municipality, Programme
from omstilling.policies import system_service
from omstilling.services import (
    DemoLogin,
    SeedResult,
    demo_admin_seed,
    demo_role_groups,
    demo_staff_and_board_seed,
    demo_user_seed,
    programmes_seed,
)


@system_service
@transaction.atomic
def reference_programmes_seed() -> SeedResult:
    """Create or bring up to date both reference programmes and the criteria they assess applications by."""
    result = programmes_seed()
    for programme in result.programmes:
        for order, (name, description) in enumerate(seed.ASSESSMENT_CRITERIA, start=1):
            result.upsert(
                AssessmentCriterion,
                {"programme": programme, "name": name},
                order=order,
                description=description,
            )
    return result


@system_service
@transaction.atomic
def demo_users_seed(*, password: str = seed.DEMO_PASSWORD) -> list[DemoLogin]:
    """Create or repair a demo login for every role in both reference programmes.

    Needs the programmes from :func:`reference_programmes_seed`. Returns the logins as
    :class:`~omstilling.services.DemoLogin`.
    """
    programmes = _demo_programmes()
    groups = demo_role_groups()

    result = SeedResult()
    logins = []
    for spec in seed.PROGRAMMES:
        programme = programmes[spec["slug"]]
        logins.append(_demo_applicant_seed(result, programme, spec, groups, password))
        logins += demo_staff_and_board_seed(programme, result=result, groups=groups, password=password)
    logins.append(demo_admin_seed(result=result, password=password))
    return logins


def _demo_programmes():
    """The reference programmes by slug; refuses until :func:`reference_programmes_seed` has made both."""
    slugs = [spec["slug"] for spec in seed.PROGRAMMES]
    programmes = {programme.slug: programme for programme in Programme.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in programmes]
    if missing:
        raise ServiceError(
            _("Programmene %(slugs)s finnes ikke. Kjør «python manage.py seed_programmes» først.")
            % {"slugs": ", ".join(missing)}
        )
    return programmes


def _demo_applicant_seed(result, programme, spec, groups, password):
    """The applicant of ``programme`` and the organisation it administers: its login."""
    name = programme.short_name
    role = _("Søker")
    applicant = demo_user_seed(
        f"soker@{programme.slug}.demo", result=result, full_name=f"{role} {name} (demo)", password=password
    )
    applicant.groups.add(groups[roles.APPLICANT])
    organisation_spec = seed.DEMO_APPLICANTS[programme.slug]
    organisation = result.upsert(
        Organisation,
        {"orgnr": organisation_spec["orgnr"]},
        name=organisation_spec["name"],
        municipality=Municipality.objects.get(number=spec["municipalities"][0]),
        contact_name=applicant.full_name,
        contact_email=applicant.email,
    )
    result.upsert(
        OrganisationMembership,
        {"organisation": organisation, "user": applicant},
        role=OrganisationMembership.Role.ADMIN,
    )
    return DemoLogin(applicant.email, role, name)
