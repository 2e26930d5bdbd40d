"""Every page a user can reach costs the same number of queries with 5 rows as with 50.

Adds to tests/admin/test_changelist_queries.py (changelists, add pages) and
tests/portal/test_query_counts.py (front page, own applications, organisations, form steps):
the admin change page of every registered model — with 5 and 50 rows of its own inlines and of
every other model in its choices — and the applicant pages those files do not cover. The last
test fails when an applicant page appears that no guard covers.
"""

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationSnapshot,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    Attachment,
    BoardMeeting,
    CostLine,
    Decision,
    FinancingLine,
    Letter,
    Organisation,
    OrganisationJoinRequest,
)
from omstilling.models import (
    FocusArea,
    Funding,
    FundingSource,
    Indicator,
    IndicatorValue,
    PlanPeriod,
    SubGoal,
    User,
)
from projects.models import Grant, Payout, PayoutAttachment, ResultFunding, ResultReport
from tests.admin.rows import ROWS, person, token
from tests.factories import (
    BoardCaseFactory,
    BoardMembershipFactory,
    FocusAreaFactory,
    FundingFactory,
    OrganisationMembershipFactory,
    PayoutFactory,
    StaffMembershipFactory,
)
from tests.portal.conftest import make_complete, make_draft

pytestmark = pytest.mark.django_db


def _shape(sql):
    # Literals, numbers and the names of server-side cursors (one per iterated choice list).
    return re.sub(r"'[^']*'|\b\d+\b|_django_curs_\w+", "?", sql)


def _growth(few, many):
    grown = Counter(map(_shape, many)) - Counter(map(_shape, few))
    return "\n".join(f"{count}× {sql[:300]}" for sql, count in grown.most_common(5))


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in context.captured_queries]


# The rows an object's change page shows inline (or lists), n more of them.
def _organisation_children(obj, n):
    for _ in range(n):
        OrganisationMembershipFactory(organisation=obj, user=person())
        OrganisationJoinRequest.objects.create(organisation=obj, user=person())


def _application_children(obj, n):
    for i in range(n):
        CostLine.objects.create(application=obj, description=f"Kostnad {i}", amount=Decimal(10))
        FinancingLine.objects.create(application=obj, kind=FinancingLine.Kind.PROGRAMME, amount=Decimal(10))
        Attachment.objects.create(
            application=obj,
            file=f"attachments/x/{token()}",
            original_name=f"{i}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=person(),
        )


def _assessment_children(obj, n):
    for _ in range(n):
        criterion = AssessmentCriterion.objects.create(programme=obj.application.programme, name=token())
        AssessmentScore.objects.create(assessment=obj, criterion=criterion, score=4)


def _meeting_children(obj, n):
    focus_area = FocusArea.objects.filter(plan_period__programme=obj.programme).first() or FocusAreaFactory(
        plan_period__programme=obj.programme
    )
    for _ in range(n):
        BoardCaseFactory(meeting=obj, application__focus_area=focus_area)


def _user_children(obj, n):
    for _ in range(n):
        StaffMembershipFactory(user=obj)
        BoardMembershipFactory(user=obj)


def _plan_period_children(obj, n):
    start = obj.sub_goals.count()
    for i in range(start, start + n):
        SubGoal.objects.create(plan_period=obj, order=i + 2, text=f"Delmål {i}")


def _indicator_children(obj, n):
    start = obj.values.count() if hasattr(obj, "values") else 0
    for i in range(n):
        IndicatorValue.objects.create(indicator=obj, year=1900 + start + i, value=Decimal(i))


def _funding_source_children(obj, n):
    start = obj.fundings.count() if hasattr(obj, "fundings") else Funding.objects.filter(source=obj).count()
    for i in range(n):
        FundingFactory(source=obj, year=1900 + start + i)


def _grant_children(obj, n):
    for _ in range(n):
        PayoutFactory(grant=obj)


def _payout_children(obj, n):
    for i in range(n):
        PayoutAttachment.objects.create(
            payout=obj,
            file=f"payouts/x/{token()}",
            original_name=f"{i}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
        )


def _result_report_children(obj, n):
    for i in range(n):
        ResultFunding.objects.create(report=obj, source=f"Kilde {i}", amount=Decimal(10))


CHILDREN = {
    Organisation: _organisation_children,
    Application: _application_children,
    Assessment: _assessment_children,
    BoardMeeting: _meeting_children,
    User: _user_children,
    PlanPeriod: _plan_period_children,
    Indicator: _indicator_children,
    FundingSource: _funding_source_children,
    Grant: _grant_children,
    Payout: _payout_children,
    ResultReport: _result_report_children,
}


def test_every_model_with_inlines_grows_its_inline_rows_here(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    with_inlines = set()
    for model, model_admin in admin.site._registry.items():
        if model in ROWS and model_admin.get_inlines(request, ROWS[model].build()):
            with_inlines.add(model)
    assert with_inlines <= set(CHILDREN), with_inlines - set(CHILDREN)


# Inline rows that look up their parent (or a related row) one query per row: found by this guard,
# to be fixed in the admin modules (an inline ``get_queryset`` with ``select_related``, and the
# choices of an inline's foreign keys built once per page instead of once per row). Strict: a fix
# turns the xfail into a failure, and the entry must then go.
KNOWN_N_PLUS_ONE = {}


def _change_page_cases():
    for model in ROWS:
        marks = ()
        if model in KNOWN_N_PLUS_ONE:
            marks = pytest.mark.xfail(strict=True, reason=f"N+1: {KNOWN_N_PLUS_ONE[model]}")
        yield pytest.param(model, id=model.__name__, marks=marks)


@pytest.mark.parametrize("model", list(_change_page_cases()))
def test_change_page_query_count_does_not_grow_with_rows(admin_client, model):
    row = ROWS[model]
    obj = row.build()
    grow = CHILDREN.get(model, lambda obj, n: None)
    grow(obj, 5)
    for _ in range(4):
        row.build()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    admin_client.get(url)
    few = _queries(admin_client, url)

    grow(obj, 45)
    for _ in range(45):
        row.build()
    many = _queries(admin_client, url)

    assert len(many) == len(few), _growth(few, many)


# --- applicant pages not covered by tests/portal/test_query_counts.py ----------------------------


@pytest.fixture
def submitted(call, organisation, applicant):
    application = make_complete(make_draft(call, organisation, applicant))
    application.state = Application.State.SUBMITTED
    application.submitted_at = timezone.now()
    application.save()
    ApplicationSnapshot.objects.create(
        application=application, submitted_at=application.submitted_at, submitted_by=applicant, data={}
    )
    return application


def _grow_submitted(application, applicant, n):
    _application_children(application, n)
    for _ in range(n):
        decision = Decision.objects.create(
            application=application,
            outcome=Decision.Outcome.APPROVED,
            amount=Decimal(1000),
            decided_at=timezone.now(),
        )
        Letter.objects.create(
            kind=Letter.Kind.GRANT_LETTER, decision=decision, file=f"letters/{token()}.pdf", sha256="0" * 64
        )


@pytest.mark.parametrize("name", ["application_detail", "application_receipt", "application_withdraw"])
def test_submitted_application_pages(applicant_client, applicant, submitted, name):
    url = reverse(name, args=[submitted.pk])
    _grow_submitted(submitted, applicant, 5)
    applicant_client.get(url)
    few = _queries(applicant_client, url)
    _grow_submitted(submitted, applicant, 45)
    many = _queries(applicant_client, url)
    assert len(many) == len(few), _growth(few, many)


@pytest.mark.parametrize("name", ["organisation_register", "organisation_join", "application_start"])
def test_pages_with_choices(applicant_client, applicant, organisation, call, name):
    from tests.factories import OrganisationFactory

    url = reverse(name, args=[call.pk]) if name == "application_start" else reverse(name)

    def grow(n):
        for _ in range(n):
            OrganisationMembershipFactory(organisation=OrganisationFactory(), user=applicant)
            OrganisationJoinRequest.objects.create(organisation=OrganisationFactory(), user=applicant)

    grow(5)
    applicant_client.get(url)
    few = _queries(applicant_client, url)
    grow(45)
    many = _queries(applicant_client, url)
    assert len(many) == len(few), _growth(few, many)


def test_grant_accept_page(applicant_client, programme, organisation):
    """The offer the grant holder accepts (tests/grants_portal guards the other grant pages)."""
    from tests.grants_portal.conftest import make_offer

    officer = person(is_staff=True)
    grant = make_offer(programme, organisation, officer)
    url = reverse("grant_accept", args=[grant.pk])

    def grow(n):
        for i in range(n):
            CostLine.objects.create(
                application=grant.application, description=f"Kostnad {i}", amount=Decimal(1)
            )
            make_offer(programme, organisation, officer, title=f"Annet tilbud {token()}")

    grow(5)
    applicant_client.get(url)
    few = _queries(applicant_client, url)
    grow(45)
    many = _queries(applicant_client, url)
    assert len(many) == len(few), _growth(few, many)


# Pages that read no rows that could grow, or that are not pages (POST-only, downloads, redirects).
NO_ROWS = {
    "register",
    "register_done",
    "verify_email",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "readyz",
    "set_language",
    "organisation_join_decide",  # POST only
    "attachment_upload",  # POST only
    "attachment_remove",  # POST only
    "application_submit",  # POST only
    "attachment_download",  # a file
    "letter_download",  # a file
    "application_copy",  # a file, or a page about one row
    "payout_attachment_download",  # a file
    "personal_data_export_download",  # a file
    "personal_data_export_new",  # POST only
    "account_close",  # POST only
    "case_message_post",  # POST only (its page again after an error is application_detail's)
    "supplement_answer",  # a page about one row (one request and its form)
    "appeal_lodge",  # a page about one row (one decision and its form)
    "deadline_extension_new",  # a page about one row (one grant and its form)
}


def _guarded_elsewhere():
    """URL names quoted in the other query-count test files (tests/**/test_*query_counts*.py)."""
    tests = Path(__file__).resolve().parents[1]
    names = set()
    for path in tests.rglob("test_*query_counts*.py"):
        if path.resolve() != Path(__file__).resolve():
            # Every quoted word: names are reversed directly or listed in a parametrize.
            names |= set(re.findall(r"""["']([\w:]+)["']""", path.read_text()))
    return names


GUARDED_HERE = {
    "grant_accept",
    "application_detail",
    "application_receipt",
    "application_withdraw",
    "organisation_register",
    "organisation_join",
    "application_start",
}


def _page_names(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the admin: every registered model's changelist, add and change page above
            yield from _page_names(pattern)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_applicant_page_has_a_query_count_guard():
    unguarded = set(_page_names()) - NO_ROWS - _guarded_elsewhere() - GUARDED_HERE
    assert not unguarded, f"pages without a 5-vs-50 query count guard: {sorted(unguarded)}"
