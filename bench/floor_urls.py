"""The portal's URLs plus two bare views for ``portal_form.py`` (see its docstring).

What every page of a logged-in applicant pays before it does anything of its own: the session and
the user (``/healthz`` never touches them) — the logged-in bare view, the script's second baseline —
and, for reference, that plus the access-checked lookup of the application.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

from applications import selectors


@login_required
def floor_user(request):
    return HttpResponse(request.user.email)


@login_required
def floor_application(request, pk):
    return HttpResponse(selectors.application_for_member(request.user, pk).reference)


urlpatterns = [
    path("bench/floor-user", floor_user),
    path("bench/floor-application/<int:pk>", floor_application),
    path("", include("omstilling.urls")),
]
