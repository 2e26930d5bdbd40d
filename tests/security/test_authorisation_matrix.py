"""The authorisation matrix, generated from the URL conf.

Every route with a keyword argument — in the portal and in the admin — is requested, with GET and
with POST, by an anonymous visitor, an applicant of another organisation, and another programme's
leader, case handler, board member, observer and a staff member who holds every model permission.
Nobody but the object's own readers learns anything: strangers get exactly the answer an id that
does not exist gets (a 404 in the portal; in the admin the same "does not exist" redirect or 403),
anonymous visitors are sent to log in, and nothing changes.

A route the matrix cannot build an object for FAILS, so a new view is covered the day it appears:
add one line to ``PORTAL`` (or, for an admin model, a row builder to ``tests/admin/rows.py``).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin import site
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from applications.models import Application, ApplicationSnapshot, Attachment, Letter
from applications.views.applications import STEP_NAMES
from omstilling import roles
from omstilling.models import Municipality, Programme
from reports.models import ReportJob
from tests.admin.rows import ROWS, person, token
from tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    GrantFactory,
    ProgrammeFactory,
    ReportJobFactory,
)

from .conftest import PDF
from .urlconf import routes

pytestmark = pytest.mark.django_db

MISSING_ID = 10**9
HOSTILE_POST = {
    "title": "Kapret",
    "reason": "Kapret",
    "decision": "approve",
    "post": "yes",
    "confirm": "yes",
    "action": "vote",
    "choice": "for",
    "new_password1": "Kapret-passord-123",
    "new_password2": "Kapret-passord-123",
}


# --- The portal --------------------------------------------------------------------------------

LOGIN = "login"
NOT_FOUND = "404"


@dataclass(frozen=True)
class Owned:
    """An object of the applicant's organisation: its readers reach it, everybody else gets a 404.

    ``kwargs`` builds the URL's keyword arguments from the world (a dict, or a list of them).
    """

    kwargs: Callable
    readers: tuple = ("owner",)
    anonymous: str = LOGIN


@dataclass(frozen=True)
class OpenToAll:
    """Anyone logged in may use it (an open call); anonymous visitors log in first."""

    kwargs: Callable


@dataclass(frozen=True)
class SignedLink:
    """A link carrying a token: with a wrong token everyone gets the same refusal as for no user."""

    kwargs: Callable


@dataclass(frozen=True)
class Public:
    """A public page about a named object (a programme's journal): everyone reads it, signed in or
    not; an unknown name is a 404 and nothing is written."""

    kwargs: Callable


def _uid(user):
    return urlsafe_base64_encode(force_bytes(user.pk))


def _draft(w):
    return {"pk": w.draft.pk}


def _grant(w):
    return {"pk": w.grant.pk}


# One line per portal URL with an id: how to build its arguments from the world (tests/security/conftest.py).
PORTAL = {
    "organisation_join_decide": Owned(lambda w: {"pk": w.join_request.pk}),
    "application_start": OpenToAll(lambda w: {"call_pk": w.call.pk}),
    "application_detail": Owned(_draft),
    "application_step": Owned(lambda w: [{"pk": w.draft.pk, "step": step} for step in STEP_NAMES]),
    "attachment_upload": Owned(_draft),
    "attachment_remove": Owned(lambda w: {"pk": w.draft.pk, "attachment_pk": w.attachment.pk}),
    "application_submit": Owned(_draft),
    "application_receipt": Owned(_draft),
    "application_withdraw": Owned(_draft),
    # The programme's staff read attachments here too; the board reads them only in the admin, through
    # the application's page (admin:applications_application_attachment).
    "attachment_download": Owned(
        lambda w: {"pk": w.attachment.pk},
        readers=("owner", "our leader"),
        anonymous=NOT_FOUND,
    ),
    # The programme's staff read the letters and the application as submitted here too; the board
    # reads the letters only in the admin.
    "letter_download": Owned(lambda w: {"pk": w.letter.pk}, readers=("owner", "our leader")),
    "application_copy": Owned(lambda w: {"pk": w.grant.application_id}, readers=("owner", "our leader")),
    "grant_detail": Owned(_grant),
    "grant_accept": Owned(_grant),
    "deadline_extension_new": Owned(_grant),
    "payout_request": Owned(_grant),
    "payout_detail": Owned(lambda w: {"pk": w.grant.pk, "payout_pk": w.payout.pk}),
    "result_report_new": Owned(_grant),
    "final_report_new": Owned(_grant),
    "result_report_detail": Owned(lambda w: {"pk": w.grant.pk, "report_pk": w.result_report.pk}),
    "payout_attachment_download": Owned(lambda w: {"pk": w.payout_attachment.pk}),
    # The written exchanges on a case: the applicant's side.
    "case_message_post": Owned(lambda w: {"pk": w.decided.pk}),
    "supplement_answer": Owned(lambda w: {"pk": w.decided.pk, "request_pk": w.supplement.pk}),
    "appeal_lodge": Owned(lambda w: {"pk": w.decided.pk}),
    # A person's own data: hers alone.
    "personal_data_export_download": Owned(lambda w: {"pk": w.personal_data_export.pk}),
    # The public journal: anyone reads a programme's, screened entries withheld.
    "journal": Public(lambda w: {"slug": w.programme.slug}),
    "journal_csv": Public(lambda w: {"slug": w.programme.slug}),
    "journal_json": Public(lambda w: {"slug": w.programme.slug}),
    "verify_email": SignedLink(lambda w: {"uidb64": _uid(w.owner), "token": "czx1k0-5f2e0c0ffee"}),
    "password_reset_confirm": SignedLink(lambda w: {"uidb64": _uid(w.owner), "token": "czx1k0-5f2e0c0ffee"}),
}

# Portal pages anyone may open without logging in.
PUBLIC = {
    "front_page",
    "healthz",
    "readyz",  # the readiness probe: names its checks, reveals nothing else (tests/project/test_health.py)
    "set_language",
    "register",
    "register_done",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    # The granted projects are public (name, amount, purpose), as a page and as open data.
    "public_grants",
    "public_grants_csv",
    "public_grants_json",
    # The privacy and accessibility statements, and the public journal (offentlig journal), whose
    # screened entries show only that something was withheld (tests/portal/test_public_journal.py).
    "privacy",
    "accessibility",
    "journal_index",
    "journal",
    "journal_csv",
    "journal_json",
}


def _missing(kwargs):
    """The same URL's arguments with every id pointing at nothing."""
    missing = {}
    for key, value in kwargs.items():
        if isinstance(value, int):
            missing[key] = MISSING_ID + value
        elif key == "slug":
            missing[key] = "finnes-ikke"
        elif key == "uidb64":
            missing[key] = urlsafe_base64_encode(force_bytes(MISSING_ID))
        else:
            missing[key] = value
    return missing


def _answer(response, as_if=None):
    """What a response tells the client: its status and where it redirects.

    ``as_if`` maps ids in a redirect's target to the ids asked for, since "/7/" → "/7/change/" and
    "/1000000000/" → "/1000000000/change/" tell the client the same thing.
    """
    location = response.get("Location")
    for missing, real in (as_if or {}).items():
        location = location and location.replace(f"/{missing}/", f"/{real}/")
    return response.status_code, location


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _world_state(w):
    for obj in (w.draft, w.join_request, w.grant, w.payout, w.result_report):
        obj.refresh_from_db()
    return (
        model_to_dict(w.draft),
        model_to_dict(w.grant),
        model_to_dict(w.payout),
        model_to_dict(w.result_report),
        w.grant.payouts.count(),
        w.grant.result_reports.count(),
        list(w.draft.attachments.values_list("pk", flat=True)),
        w.join_request.decided_at,
        Letter.objects.filter(pk=w.letter.pk).exists(),
        w.owner.password,
        w.owner.is_active,
    )


def _portal_routes():
    return [route for route in routes() if not route.is_admin and route.kwargs]


@pytest.mark.parametrize("route", _portal_routes(), ids=str)
def test_portal_url_with_an_id_is_closed_to_all_but_its_readers(route, world):
    target = PORTAL.get(route.name)
    if target is None:
        pytest.fail(
            f"The authorisation matrix cannot build an object for the portal URL {route.name!r} "
            f"({route.route}, kwargs {route.kwargs}). Add one line to PORTAL in {__name__}."
        )
    built = target.kwargs(world)
    before = _world_state(world)
    for kwargs in built if isinstance(built, list) else [built]:
        url = reverse(route.name, kwargs=kwargs)
        missing_url = reverse(route.name, kwargs=_missing(kwargs))
        if isinstance(target, Owned):
            _check_owned(target, world, url, missing_url)
        elif isinstance(target, OpenToAll):
            _check_open_to_all(world, url)
        elif isinstance(target, Public):
            _check_public(world, url, missing_url)
        else:
            _check_signed_link(world, url, missing_url)
    assert _world_state(world) == before, "a stranger's request changed the applicant's data"


def _readers(world, names):
    people = {"owner": world.owner, "our leader": world.leader, "our board member": world.board_member}
    return {name: people[name] for name in names}


def _check_owned(target, world, url, missing_url):
    login = reverse("login")
    for method in ("get", "post"):
        anonymous = getattr(Client(), method)(url, HOSTILE_POST)
        if target.anonymous == LOGIN:
            assert anonymous.status_code == 302 and anonymous.url.startswith(login), (method, url)
        else:
            assert anonymous.status_code == 404, (method, url)

    strangers = {**world.outsiders, "our leader": world.leader, "our board member": world.board_member}
    for name, user in strangers.items():
        if name in target.readers:
            continue
        client = _client(user)
        for method in ("get", "post"):
            response = getattr(client, method)(url, HOSTILE_POST)
            assert response.status_code in (404, 405), (name, method, url, response.status_code)
            assert _answer(response) == _answer(getattr(client, method)(missing_url, HOSTILE_POST)), (
                name,
                method,
                url,
            )
            assert world.draft.title.encode() not in response.content

    # The readers do reach it, so the 404s above are the guard at work and not a broken URL.
    for name, user in _readers(world, target.readers).items():
        response = _client(user).get(url)
        assert response.status_code in (200, 302, 405), (name, url, response.status_code)
        assert not (response.status_code == 302 and response.url.startswith(login)), (name, url)


def _check_open_to_all(world, url):
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    for name, user in {"owner": world.owner, **world.outsiders}.items():
        assert _client(user).get(url).status_code in (200, 302), name


def _check_public(world, url, missing_url):
    for name, user in {"anonymous": None, "owner": world.owner, **world.outsiders}.items():
        client = _client(user)
        assert client.get(url).status_code == 200, (name, url)
        assert client.get(missing_url).status_code == 404, (name, missing_url)
        assert client.post(url, HOSTILE_POST).status_code == 405, (name, url)


def _check_signed_link(world, url, missing_url):
    for name, user in {"anonymous": None, "owner": world.owner, **world.outsiders}.items():
        client = _client(user)
        for method in ("get", "post"):
            response = getattr(client, method)(url, HOSTILE_POST)
            assert _answer(response) == _answer(getattr(client, method)(missing_url, HOSTILE_POST)), (
                name,
                method,
                url,
            )
            assert world.owner.email.encode() not in response.content, (name, method, url)


def test_a_real_password_reset_link_works_so_the_wrong_token_above_is_what_was_refused(world):
    kwargs = {"uidb64": _uid(world.owner), "token": default_token_generator.make_token(world.owner)}

    response = Client().get(reverse("password_reset_confirm", kwargs=kwargs), follow=True)

    assert response.status_code == 200
    assert "new_password1" in response.content.decode()


def test_an_applicants_own_parent_id_does_not_unlock_someone_elses_row(world):
    """Nested URLs look the child up under the parent: the rival's own application or grant in the
    first place and our attachment, payout or result report in the second is still a 404."""
    rival = world.outsiders["other applicant"]
    their_draft = Application.objects.get(organisation__memberships__user=rival)
    their_grant = GrantFactory(
        decision__application=ApplicationFactory(
            programme=their_draft.programme,
            focus_area=their_draft.focus_area,
            organisation=their_draft.organisation,
            state="approved",
        )
    )
    client = _client(rival)
    before = _world_state(world)
    # The parents are the rival's own: the refusals below come from the child lookup.
    assert client.get(reverse("application_step", args=[their_draft.pk, "vedlegg"])).status_code == 200
    assert client.get(reverse("grant_detail", args=[their_grant.pk])).status_code == 200

    for name, kwargs in (
        ("attachment_remove", {"pk": their_draft.pk, "attachment_pk": world.attachment.pk}),
        ("payout_detail", {"pk": their_grant.pk, "payout_pk": world.payout.pk}),
        ("result_report_detail", {"pk": their_grant.pk, "report_pk": world.result_report.pk}),
    ):
        url = reverse(name, kwargs=kwargs)
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, HOSTILE_POST).status_code == 404, name

    assert _world_state(world) == before


@pytest.mark.parametrize(
    "route", [route for route in routes() if not route.is_admin and not route.kwargs and route.name], ids=str
)
def test_every_portal_page_but_the_public_ones_needs_a_login(route, world):
    response = Client().get(reverse(route.name))

    if route.name in PUBLIC:
        assert response.status_code in (200, 302, 405), route
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), (
            f"{route.name} opens without a login; if it is meant to be public, add it to PUBLIC"
        )


# --- The admin ---------------------------------------------------------------------------------


def _done_report_job():
    job = ReportJobFactory.build(
        programme=ProgrammeFactory(name=f"Program {token()}"), state=ReportJob.State.DONE, sha256="0" * 64
    )
    job.file.save("arsrapport.pdf", ContentFile(PDF), save=False)
    job.save()
    return job


def _access_attempt():
    return AccessAttempt.objects.create(
        username="kari@glommen-skog.no", ip_address="10.0.0.1", user_agent="test", failures_since_start=3
    )


def _access_log():
    return AccessLog.objects.create(username="kari@glommen-skog.no", ip_address="10.0.0.1", user_agent="test")


def _access_failure_log():
    return AccessFailureLog.objects.create(
        username="kari@glommen-skog.no", ip_address="10.0.0.1", user_agent="test"
    )


def _letter_with_file():
    letter = Letter(
        kind=Letter.Kind.GRANT_LETTER,
        decision=DecisionFactory(application__title=f"Prosjekt {token()}"),
        sha256="0" * 64,
    )
    letter.file.save("brev.pdf", ContentFile(PDF), save=False)
    letter.save()
    return letter


def _application_attachment():
    """An attachment of a submitted application, listed in its frozen copy, as the case file shows it."""
    application = ROWS[Application].build()
    attachment = Attachment(
        application=application, original_name="plan.pdf", content_type="application/pdf", size=len(PDF)
    )
    attachment.sha256 = "0" * 64
    attachment.file.save("plan.pdf", ContentFile(PDF), save=False)
    attachment.save()
    ApplicationSnapshot.objects.update_or_create(
        application=application,
        defaults={"data": {"attachments": [{"id": attachment.pk}]}, "submitted_at": timezone.now()},
    )
    return application, {"object_id": application.pk, "attachment_pk": attachment.pk}


def _view_on_site():
    application = ROWS[Application].build()
    return application, {
        "content_type_id": ContentType.objects.get_for_model(Application).pk,
        "object_id": application.pk,
    }


def _programme_year():
    """A programme and a year of its status period: the year's plan texts and their preview."""
    programme = ROWS[Programme].build()
    return programme, {"programme_pk": programme.pk, "year": programme.status_start_year}, "programme_pk"


# Admin URLs whose object the model's row builder (tests/admin/rows.py) does not make the right way.
ADMIN_OBJECTS = {
    "admin:reports_reportjob_download": _done_report_job,
    "admin:applications_letter_download": _letter_with_file,
}
# Admin URLs with keyword arguments that are not a model's object id.
ADMIN_SITE = {
    "admin:view_on_site": _view_on_site,
    "admin:applications_application_attachment": _application_attachment,
    "admin:reports_reportjob_narrative": _programme_year,
    "admin:reports_reportjob_preview": _programme_year,
}
# No model has get_absolute_url, so "view on site" is a 404 for every object and every person.
CLOSED_TO_ALL = {"admin:view_on_site"}
NOT_AN_OBJECT = {
    "admin:app_list": "the app index lists the models a user may see; its argument is an app label",
    "admin/(?P<url>.*)": "the admin's catch-all for unknown paths",
}
# Reference data every staff member may read, whatever their programme.
SHARED_MODELS = {Municipality: "the public register of Norwegian municipalities"}
# Models of the site admin alone: no role group grants a permission on them (checked below), so only
# a person handed permissions one by one — "every permission" here — reaches them.
SITE_ADMIN_MODELS = {
    Group: lambda: Group.objects.create(name=f"Gruppe {token()}"),
    AccessAttempt: _access_attempt,
    AccessLog: _access_log,
    AccessFailureLog: _access_failure_log,
}
ID_KWARGS = {"object_id", "pk", "id"}


@dataclass
class AdminTarget:
    obj: object = None
    kwargs: dict = field(default_factory=dict)
    id_kwarg: str = "object_id"
    problem: str = ""


def _admin_url(route, kwargs):
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # The admin's unnamed "<id>/" route redirects to the change page.
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(kwargs[match[1]]), route.route)


def _admin_target(route):
    """The object to request ``route`` with, or a problem saying why the matrix cannot build one."""
    if str(route) in NOT_AN_OBJECT:
        return None
    if route.name in ADMIN_SITE:
        # (object, kwargs) or (object, kwargs, the kwarg that names the object)
        obj, kwargs, *id_kwarg = ADMIN_SITE[route.name]()
        return AdminTarget(obj, kwargs, *id_kwarg)
    parts = route.route.split("/")
    try:
        model = apps.get_model(parts[1], parts[2])
    except (LookupError, ValueError, IndexError):
        return AdminTarget(problem="it is not a model's URL; add it to ADMIN_SITE or NOT_AN_OBJECT")
    if not set(route.kwargs) <= ID_KWARGS or len(route.kwargs) != 1:
        return AdminTarget(
            problem=f"its arguments {route.kwargs} are not one object id; add it to ADMIN_SITE"
        )
    build = ADMIN_OBJECTS.get(route.name) or SITE_ADMIN_MODELS.get(model)
    build = build or (ROWS[model].build if model in ROWS else None)
    if build is None:
        return AdminTarget(problem=f"add a row builder for {model.__name__} to ROWS in tests/admin/rows.py")
    obj = build()
    return AdminTarget(obj, {route.kwargs[0]: obj.pk}, route.kwargs[0])


def _row(obj):
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def _not_found(response):
    return response.status_code == 404 or (
        response.status_code == 302 and response.url == reverse("admin:index")
    )


@pytest.mark.parametrize("route", [r for r in routes() if r.is_admin and r.kwargs], ids=str)
def test_admin_url_with_an_id_tells_other_programmes_nothing(route, outsiders):
    target = _admin_target(route)
    if target is None:
        pytest.skip(NOT_AN_OBJECT[str(route)])
    if target.problem:
        pytest.fail(
            f"The authorisation matrix cannot build an object for the admin URL {route}: {target.problem}"
        )
    url = _admin_url(route, target.kwargs)
    missing_url = _admin_url(route, {**target.kwargs, target.id_kwarg: MISSING_ID})
    before = _row(target.obj)
    admin_login = reverse("admin:login")

    for name, user in {"anonymous": None, "other applicant": outsiders["other applicant"]}.items():
        for method in ("get", "post"):
            response = getattr(_client(user), method)(url, HOSTILE_POST)
            assert response.status_code == 302 and response.url.startswith(admin_login), (name, method)

    model = type(target.obj)
    for name, user in outsiders.items():
        if name == "other applicant" or model in SHARED_MODELS:
            continue
        if model in SITE_ADMIN_MODELS and name == "other programme's staff with every permission":
            continue
        client = _client(user)
        for method in ("get", "post"):
            response = getattr(client, method)(url, HOSTILE_POST)
            missing = getattr(client, method)(missing_url, HOSTILE_POST)
            assert response.status_code != 200, (name, method)
            if model in SITE_ADMIN_MODELS:
                # Django's history page answers 403 for a row that exists and "does not exist" for
                # one that does not, to anyone without the permission: it confirms that, say, group
                # 7 exists, and nothing else. No programme's data is in these tables.
                assert response.status_code in (302, 403), (name, method)
                continue
            assert _answer(response) == _answer(missing, {MISSING_ID: target.obj.pk}), (name, method)

    # The object is there to be found: a superuser is not told it does not exist.
    superuser = person(email=f"{token()}@admin.no", is_staff=True, is_superuser=True)
    assert _not_found(_client(superuser).get(url)) == (route.name in CLOSED_TO_ALL), url
    assert _row(target.obj) == before, "a stranger's request changed the row"


def test_every_registered_model_admin_has_its_object_urls_in_the_matrix():
    """The admin half of the matrix is generated from the URL conf, so each model's change, history
    and delete pages must have been among the routes it walked."""
    walked = {route.name for route in routes() if route.is_admin}
    for model in site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert {f"{prefix}_change", f"{prefix}_history", f"{prefix}_delete"} <= walked, model
        assert model in ROWS or model in SITE_ADMIN_MODELS, (
            f"add a row builder for {model.__name__} to tests/admin/rows.py"
        )
        assert not hasattr(model, "get_absolute_url"), (
            f"{model.__name__} now has get_absolute_url: the admin's view-on-site redirect does not "
            "check the programme scope; take admin:view_on_site out of CLOSED_TO_ALL and check it"
        )


def test_no_role_group_grants_a_permission_on_the_site_admins_models():
    for group in Group.objects.filter(name__in=[roles.PROGRAMME_LEADER, roles.BOARD_MEMBER, roles.OBSERVER]):
        granted = {(p.content_type.app_label, p.content_type.model) for p in group.permissions.all()}
        for model in SITE_ADMIN_MODELS:
            assert (model._meta.app_label, model._meta.model_name) not in granted, (group.name, model)
