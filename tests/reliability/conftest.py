"""The portal's fixtures (applicant, organisation, call, drafts) for the reliability tests."""

from tests.portal.conftest import (  # noqa: F401
    applicant,
    applicant_client,
    call,
    complete_draft,
    draft,
    focus_areas,
    organisation,
    programme,
)
