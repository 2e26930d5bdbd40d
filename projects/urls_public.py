"""The front page's route, included by string from the root urlconf, ahead of the apps' own routes."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("", views_public.front_page, name="front_page"),
]
