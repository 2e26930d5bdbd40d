"""What the application and board admin pages share: custom pages that act only through services."""

from django.contrib import messages
from django.urls import reverse

from applications.models import Application
from omstilling.admin_mixins import ScopedPagesMixin
from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied


class ServicePagesMixin(ScopedPagesMixin):
    """Custom admin pages and actions that write only through the board services.

    The object is looked up through the admin's programme-scoped queryset, so a page of another
    programme is a 404; a ServiceError becomes an error message on the page the user came from, and
    a refusal by the service's policy the permission-denied page with its reason.
    """

    def _call(self, request, service, *args, success=None, **kwargs):
        """Run ``service``; report its ServiceError as an admin error message. True when it worked."""
        try:
            service(*args, **kwargs)
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            messages.error(request, exc.message)
            return False
        if success:
            messages.success(request, success)
        return True

    def _view_url(self, name, obj):
        return reverse(f"admin:applications_{self.model._meta.model_name}_{name}", args=[obj.pk])


def adopt(obj, saved):
    """Make the admin's unsaved form instance stand for the row a service created."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class VisibleApplicationsMixin:
    """An admin whose rows belong to applications: only those of applications the user may read
    (``Application.objects.visible_to``): the board sees the applications on its agenda, never a
    draft; the programme's staff see all of theirs. Put before the programme-scoped admin."""

    application_path = "application"  # None: the rows are the applications themselves

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.application_path is None:
            return queryset.visible_to(request.user)
        visible = Application.objects.visible_to(request.user).values("pk")
        return queryset.filter(**{f"{self.application_path}__in": visible})
