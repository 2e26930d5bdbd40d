"""Applications are never public: the public pages and open data show granted projects only, and the
lists a logged-in person sees hold their own organisations' rows and nobody else's."""

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Application
from tests.factories import ApplicationFactory, DecisionFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ("front_page", "public_grants", "public_grants_csv", "public_grants_json")


@pytest.fixture
def unpublished(world):
    """Titles of applications in every state short of a grant, in the world's programme."""
    titles = {world.draft.title: Application.State.DRAFT}
    for state in (
        Application.State.SUBMITTED,
        Application.State.IN_REVIEW,
        Application.State.TO_BOARD,
        Application.State.REJECTED,
        Application.State.WITHDRAWN,
    ):
        application = ApplicationFactory(
            programme=world.programme,
            call=world.call,
            organisation=world.organisation,
            focus_area=world.draft.focus_area,
            state=state,
            title=f"Upublisert søknad ({state})",
        )
        titles[application.title] = state
    rejected = ApplicationFactory(
        programme=world.programme,
        organisation=world.organisation,
        focus_area=world.draft.focus_area,
        state=Application.State.REJECTED,
        title="Avslått søknad med vedtak",
    )
    DecisionFactory(application=rejected, outcome="rejected", amount=0)
    titles[rejected.title] = rejected.state
    return titles


def test_public_pages_and_open_data_show_the_grant_and_no_application(world, unpublished):
    for name in PUBLIC_PAGES:
        body = Client().get(reverse(name)).content.decode()
        assert world.decided.title in body, name  # the grant is public
        for title in unpublished:
            assert title not in body, (name, title)


def test_a_strangers_lists_hold_none_of_our_rows(world, unpublished):
    for user in world.outsiders.values():
        client = Client()
        client.force_login(user)
        for name in ("my_applications", "organisations", "my_grants"):
            body = client.get(reverse(name)).content.decode()
            assert world.organisation.name not in body, (user, name)
            for title in (world.decided.title, *unpublished):
                assert title not in body, (user, name, title)
