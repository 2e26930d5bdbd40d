import datetime as dt
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from applications.models import Attachment
from tests.applicants import applicant_fixtures
from tests.factories import CallFactory, FocusAreaFactory, PlanPeriodFactory, ProgrammeFactory
from tests.portal.conftest import make_draft

PASSWORD = "pass-word-123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

applicant, organisation, applicant_client = applicant_fixtures("kari@bedrift.no", "Elverum Reiseliv AS")


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        slug="elverumregionen",
        name="Omstillingsprogrammet for Elverumregionen",
        owner="Elverum kommune",
        contact_email="post@ernu.no",
    )


@pytest.fixture
def focus_area(programme):
    return FocusAreaFactory(plan_period=PlanPeriodFactory(programme=programme), number=1, name="Bioøkonomi")


def closed_call(programme, focus_area, days_ago):
    """A call whose deadline passed ``days_ago`` days ago."""
    now = timezone.now()
    call = CallFactory(
        programme=programme,
        title=f"Utlysning stengt for {days_ago} dager siden",
        opens_at=now - dt.timedelta(days=days_ago + 60),
        deadline=now - dt.timedelta(days=days_ago),
    )
    call.focus_areas.set([focus_area])
    return call


def attach(application, name="cv.pdf", content=PDF):
    return Attachment.objects.create(
        application=application,
        file=ContentFile(content, name=name),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def old_draft(programme, focus_area, organisation, applicant):
    """A draft never submitted, for a call that closed 200 days ago (the rule deletes after 180)."""
    draft = make_draft(closed_call(programme, focus_area, 200), organisation, applicant, title="Glemt utkast")
    attach(draft)
    return draft
