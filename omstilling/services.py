"""Writes for the programmes app: loading the reference programmes and their staff and board demo users.

The loaders are idempotent: rows are found by their natural key, created when missing, updated only
when a field differs from the seed, and left alone otherwise, so a second run writes nothing. What
the apps above this one add to the seed (assessment criteria, the demo applicants) is loaded by
:mod:`applications.services.seed` with :meth:`SeedResult.upsert` and :func:`demo_user_seed` from here.

Only the system runs them (the ``seed_programmes`` and ``seed_demo_users`` commands, ``make run``):
they are registered with :func:`omstilling.policies.system_service`.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles, seed
from .audit import audit_log, full_clean_or_refuse, locked
from .exceptions import ServiceError
from .models import (
    AnnualPlan,
    BoardMembership,
    BudgetAllocation,
    Call,
    FocusArea,
    Funding,
    FundingSource,
    Goal,
    Indicator,
    IndicatorValue,
    Municipality,
    NarrativeSection,
    NarrativeVersion,
    PlanPeriod,
    Programme,
    StaffMembership,
    SubGoal,
    User,
)
from .policies import system_service


@dataclass
class SeedResult:
    """What a loader did: the programmes it covered and how many rows it created or changed."""

    programmes: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def created(self):
        return self.counts["created"]

    @property
    def updated(self):
        return self.counts["updated"]

    @property
    def unchanged(self):
        return self.counts["unchanged"]

    def upsert(self, model, lookup, **values):
        """The row with natural key ``lookup`` holding ``values``; validated and saved only if it
        changed, and counted here."""
        obj = model.objects.filter(**lookup).first() or model(**lookup)
        outcome = _assign(obj, values)
        if outcome != "unchanged":
            _validated_save(obj, lookup)
        self.counts[outcome] += 1
        return obj


def _assign(obj, values):
    """Set ``values`` on ``obj``; "created", "updated" or "unchanged"."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if obj._state.adding:
        return "created"
    return "updated" if changed else "unchanged"


def _validated_save(obj, lookup):
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ServiceError(
            _("Kunne ikke lagre %(model)s «%(object)s»: %(errors)s")
            % {
                "model": obj._meta.verbose_name,
                "object": ", ".join(str(value) for value in lookup.values()),
                "errors": "; ".join(exc.messages),
            }
        ) from exc
    obj.save()


@system_service
@transaction.atomic
def programmes_seed() -> SeedResult:
    """Create or bring up to date both reference programmes from :mod:`omstilling.seed`."""
    result = SeedResult()
    municipalities = {
        number: result.upsert(Municipality, {"number": number}, name=name)
        for number, name in seed.MUNICIPALITIES.items()
    }
    for spec in seed.PROGRAMMES:
        programme = _programme_seed(result, spec, municipalities)
        result.programmes.append(programme)
    return result


def _programme_seed(result, spec, municipalities):
    programme = result.upsert(
        Programme,
        {"slug": spec["slug"]},
        name=spec["name"],
        short_name=spec["short_name"],
        owner=spec.get("owner", ""),
        operator=spec.get("operator", ""),
        status_start_year=spec["status_start_year"],
        status_end_year=spec["status_end_year"],
        background=spec["background"],
        organisation_text=spec["organisation_text"],
    )
    programme.municipalities.set([municipalities[number] for number in spec["municipalities"]])
    for year, directory in spec.get("narratives", {}).items():
        _narratives_seed(result, programme, year, NARRATIVE_DIR / directory)

    periods = {}
    for period_spec in spec["plan_periods"]:
        period, areas = _plan_period_seed(result, programme, period_spec)
        periods[period.start_year] = (period, areas)
    _goals_seed(result, programme, None, {}, spec.get("goals", []))

    for order, source_spec in enumerate(spec["funding_sources"], start=1):
        source = result.upsert(
            FundingSource,
            {"programme": programme, "name": source_spec["name"]},
            kind=source_spec["kind"],
            order=order,
        )
        for year, amount in source_spec.get("amounts", {}).items():
            result.upsert(Funding, {"source": source, "year": year}, amount=amount)

    for order, indicator_spec in enumerate(spec.get("indicators", []), start=1):
        indicator = result.upsert(
            Indicator,
            {"programme": programme, "code": indicator_spec["code"]},
            name=indicator_spec["name"],
            unit=indicator_spec.get("unit", ""),
            description=indicator_spec.get("description", ""),
            source=indicator_spec.get("source", ""),
            base_year=indicator_spec.get("base_year"),
            base_value=indicator_spec.get("base_value"),
            annual_growth_percent=indicator_spec.get("annual_growth_percent"),
            target_end_year=indicator_spec.get("target_end_year"),
            order=order,
        )
        for breakdown, value_order, year, value in indicator_spec["values"]:
            result.upsert(
                IndicatorValue,
                {"indicator": indicator, "breakdown": breakdown, "year": year},
                order=value_order,
                value=value,
            )

    for call_spec in spec.get("calls", []):
        _period, areas = periods[call_spec["plan_period_start_year"]]
        call = result.upsert(
            Call,
            {"programme": programme, "title": call_spec["title"]},
            year=call_spec["year"],
            description=call_spec["description"],
            budget=call_spec["budget"],
            opens_at=call_spec["opens_at"],
            deadline=call_spec["deadline"],
            admits_forstudie=call_spec["admits_forstudie"],
            admits_forprosjekt=call_spec["admits_forprosjekt"],
            admits_hovedprosjekt=call_spec["admits_hovedprosjekt"],
        )
        call.focus_areas.set([areas[number] for number in call_spec["focus_areas"]])
    return programme


NARRATIVE_DIR = Path(settings.BASE_DIR) / "data" / "narrative"


def _narratives_seed(result, programme, year, directory):
    """The year's plan with one section per ``<place>.md`` in ``directory``; a section whose text
    differs from the file gets a new version (kept like any other edit), an equal one is left alone."""
    plan = result.upsert(AnnualPlan, {"programme": programme, "year": year})
    for path in sorted(directory.glob("*.md")):
        place = path.stem
        if place not in NarrativeSection.Place.values:
            raise ServiceError(_("Ukjent plass «%(place)s» i %(path)s.") % {"place": place, "path": path})
        section = narrative_section_write(
            plan, place=place, body=path.read_text(encoding="utf-8"), actor=None
        )
        result.counts["unchanged" if section is None else "updated"] += 1
    return plan


@system_service
def narrative_section_write(
    plan: AnnualPlan, *, place: str, body: str, actor: User | None
) -> NarrativeSection | None:
    """Save ``body`` as the text of ``plan``'s section at ``place``, as a new version; None when
    the text is unchanged (no version is added).

    The seed runs it as the system; a person's edit goes through the guarded
    :func:`reports.services.narrative_section_save`, which asks who may write first.
    """
    body = (body or "").replace("\r\n", "\n").strip()
    body = f"{body}\n" if body else ""
    with transaction.atomic():
        locked(plan)
        section = NarrativeSection.objects.filter(plan=plan, place=place).first()
        if section is not None and section.body == body:
            return None
        if section is None:
            section = NarrativeSection(plan=plan, place=place)
        section.body = body
        section.version += 1
        section.updated_at = timezone.now()
        full_clean_or_refuse(section)
        section.save()
        NarrativeVersion.objects.create(
            section=section,
            number=section.version,
            body=body,
            saved_at=section.updated_at,
            saved_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit_log(
            actor=actor,
            obj=section,
            action="narrative:saved",
            data={"plan_id": plan.pk, "place": place, "version": section.version},
        )
    return section


def _plan_period_seed(result, programme, spec):
    period = result.upsert(
        PlanPeriod,
        {"programme": programme, "start_year": spec["start_year"]},
        end_year=spec["end_year"],
        title=spec.get("title", ""),
        vision=spec.get("vision", ""),
        main_goal=spec.get("main_goal", ""),
        status_assessment=spec.get("status_assessment", ""),
        communication=spec.get("communication", ""),
    )
    for order, text in enumerate(spec.get("sub_goals", []), start=1):
        result.upsert(SubGoal, {"plan_period": period, "order": order}, text=text)
    areas = {
        area["number"]: result.upsert(
            FocusArea,
            {"plan_period": period, "name": area["name"]},
            number=area["number"],
            description=area.get("description", ""),
            is_catch_all=area.get("is_catch_all", False),
        )
        for area in spec["focus_areas"]
    }
    _goals_seed(result, programme, period, areas, spec.get("goals", []))
    for order, allocation in enumerate(spec.get("allocations", []), start=1):
        result.upsert(
            BudgetAllocation,
            {"plan_period": period, "label": allocation["label"]},
            focus_area=areas.get(allocation.get("focus_area")),
            amount=allocation["amount"],
            order=order,
        )
    return period, areas


def _goals_seed(result, programme, period, areas, goals):
    """Goals keyed by (programme, plan period, kind, order): the seed's order within each kind."""
    orders = Counter()
    for goal in goals:
        kind = goal["kind"]
        orders[kind] += 1
        # A result goal without years of its own runs over its plan period.
        in_period = period is not None and kind == Goal.Kind.RESULT
        result.upsert(
            Goal,
            {"programme": programme, "plan_period": period, "kind": kind, "order": orders[kind]},
            focus_area=areas.get(goal.get("focus_area")),
            metric=goal["metric"],
            target=goal.get("target"),
            per=goal.get("per", ""),
            start_year=goal.get("start_year", period.start_year if in_period else None),
            end_year=goal.get("end_year", period.end_year if in_period else None),
            topic=goal.get("topic", ""),
            text=goal["text"],
        )


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    programme: str


@system_service
def demo_role_groups() -> dict[str, Group]:
    """The role groups by name, with their permissions brought up to date first."""
    roles.role_groups_sync()
    return {group.name: group for group in Group.objects.filter(name__in=roles.ROLE_PERMISSIONS)}


@system_service
def demo_staff_and_board_seed(
    programme: Programme, *, result: SeedResult, groups: dict[str, Group], password: str
) -> list[DemoLogin]:
    """The programme leader and the board of ``programme`` (chair, two members, an observer): their logins."""
    domain = f"{programme.slug}.demo"
    name = programme.short_name
    logins = []

    role = str(StaffMembership.Role.LEADER.label)
    leader = demo_user_seed(
        f"leder@{domain}", result=result, full_name=f"{role} {name} (demo)", password=password, is_staff=True
    )
    leader.groups.add(groups[roles.PROGRAMME_LEADER])
    result.upsert(
        StaffMembership,
        {"programme": programme, "user": leader},
        role=StaffMembership.Role.LEADER,
        title=role,
        is_active=True,
    )
    logins.append(DemoLogin(leader.email, role, name))

    # Chair and two members: three votes, so a quorum and a majority both mean something.
    board = [
        ("styreleder", BoardMembership.Role.CHAIR, "", roles.BOARD_MEMBER),
        ("styremedlem1", BoardMembership.Role.MEMBER, "", roles.BOARD_MEMBER),
        ("styremedlem2", BoardMembership.Role.MEMBER, "", roles.BOARD_MEMBER),
        ("observator", BoardMembership.Role.OBSERVER, "Innovasjon Norge", roles.OBSERVER),
    ]
    for local_part, seat, represents, group_name in board:
        role = str(seat.label)
        label = f"{role} ({represents})" if represents else role
        number = local_part.removeprefix("styremedlem")
        full_name = f"{role} {number} {name} (demo)" if number.isdigit() else f"{role} {name} (demo)"
        person = demo_user_seed(
            f"{local_part}@{domain}", result=result, full_name=full_name, password=password, is_staff=True
        )
        person.groups.add(groups[group_name])
        result.upsert(
            BoardMembership,
            {"programme": programme, "user": person},
            role=seat,
            represents=represents,
            is_active=True,
        )
        logins.append(DemoLogin(person.email, label, name))
    return logins


@system_service
def demo_admin_seed(*, result: SeedResult, password: str) -> DemoLogin:
    """The site administrator's demo login, for every programme."""
    admin = demo_user_seed(
        seed.DEMO_ADMIN_EMAIL,
        result=result,
        full_name=_("Nettstedsadministrator (demo)"),
        password=password,
        is_superuser=True,
    )
    return DemoLogin(admin.email, _("Nettstedsadministrator"), _("alle"))


@system_service
def demo_user_seed(
    email: str,
    *,
    result: SeedResult,
    full_name: str,
    password: str,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """The demo user ``email``, created or repaired so that it logs in with ``password``."""
    lookup = {"email": email}
    user = User.objects.filter(**lookup).first() or User(**lookup)
    outcome = _assign(
        user,
        {
            "full_name": full_name,
            "is_active": True,
            "is_staff": is_staff or is_superuser,
            "is_superuser": is_superuser,
        },
    )
    # Rehash only when the documented password no longer works: a fresh salt on every run would
    # make a second run change the row.
    if not user.check_password(password):
        user.set_password(password)
        outcome = "updated" if outcome == "unchanged" else outcome
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        outcome = "updated" if outcome == "unchanged" else outcome
    if outcome != "unchanged":
        _validated_save(user, lookup)
    result.counts[outcome] += 1
    return user
