"""Building blocks shared by every app's admin.

Every permission in the portal is per programme: a person sees, in the admin, only the rows that
belong to programmes where they hold an active staff or board membership (superusers see all).
``ProgrammeScopedAdminMixin`` applies that rule to the changelist, to the object pages (which go
through ``get_queryset``), to foreign-key and many-to-many choices and to the related-field
filters in the sidebar. The mixin also keeps those choices free of N+1 queries: each admin names
in ``str_select_related`` the relations its model's ``__str__`` follows.
"""

from django.contrib import admin
from django.contrib.admin.sites import NotRegistered
from django.contrib.admin.utils import get_fields_from_path
from django.db import transaction
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .audit import audit_log
from .formatting import format_nok
from .models import BoardMembership, StaffMembership


def money_column(model, field_name):
    """A changelist column showing a money field as NOK, labelled with the field's verbose_name."""
    return money_annotation(field_name, model._meta.get_field(field_name).verbose_name)


def money_annotation(name, description):
    """A changelist column showing ``name`` (a field or a ``get_queryset`` annotation) as NOK."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        value = getattr(obj, name)
        # None lets the admin show its usual placeholder for an empty value.
        return None if value is None else format_nok(value)

    column.__name__ = name
    return column


def plain_column(model, field_name):
    """A column showing a number as written: with USE_THOUSAND_SEPARATOR a year would read "2 012"."""
    field = model._meta.get_field(field_name)

    @admin.display(description=field.verbose_name, ordering=field_name)
    def column(obj):
        value = getattr(obj, field_name)
        return None if value is None else str(value)

    column.__name__ = field_name
    return column


def related_column(model, path, description=None):
    """A column showing the object at the end of ``path`` ("application__organisation"), labelled
    ``description`` or else with the last field's verbose_name; the admin labels its own ``__``
    columns with the raw path."""
    field = get_fields_from_path(model, path)[-1]

    @admin.display(description=description or field.verbose_name, ordering=path)
    def column(obj):
        value = obj
        for name in path.split("__"):
            value = getattr(value, name)
            if value is None:
                return None
        return value

    column.__name__ = path
    return column


def programme_ids_for(request):
    """Ids of the programmes where the requesting user holds an active staff or board membership.

    Computed once per request, since the changelist, its filters and every form field ask.
    """
    cached = getattr(request, "_programme_ids", None)
    if cached is not None:
        return cached
    user = request.user
    staff = StaffMembership.objects.filter(user=user, is_active=True).order_by().values_list("programme_id")
    board = BoardMembership.objects.valid_on().filter(user=user).order_by().values_list("programme_id")
    request._programme_ids = frozenset(row[0] for row in staff.union(board))
    return request._programme_ids


def scoped_choices(admin_site, queryset, request):
    """``queryset`` limited the way the admin of its model limits its changelist."""
    try:
        model_admin = admin_site.get_model_admin(queryset.model)
    except NotRegistered:
        return queryset
    if isinstance(model_admin, ProgrammeScopedAdminMixin):
        return model_admin.choices_queryset(queryset, request)
    return queryset


@admin.display(description=_("fil"))
def stored_file_name(obj):
    """Which file is stored, without a link: uploads are private and have no MEDIA_URL route; a
    permission-checked view serves them."""
    return obj.file.name if obj.file else None


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-object filter that offers only the objects the user may see.

    Without it the sidebar would list, say, every programme's calls to a programme's staff, and
    would run a query per option whenever the option's ``__str__`` follows a relation.
    """

    def field_choices(self, field, request, model_admin):
        related_model = field.remote_field.model
        queryset = scoped_choices(model_admin.admin_site, related_model._default_manager.all(), request)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


class ProgrammeScopedChoicesMixin:
    """Limits foreign-key and many-to-many choices to what the user may see.

    Used on its own by inlines, whose rows are already limited by their parent object.
    """

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return scoped_choices(self.admin_site, queryset, request)


class ProgrammeScopedAdminMixin(ProgrammeScopedChoicesMixin):
    """Limits a ModelAdmin to the programmes where the user is active staff or on the board.

    ``programme_path`` is the lookup from the model to its programme ("programme",
    "application__programme", "case__meeting__programme" …); the empty string means the model is
    the programme itself. An admin whose rows have no single path to a programme sets it to None
    and overrides ``scope_queryset``.
    """

    programme_path = "programme"
    # Relations the model's __str__ follows, so that choice lists cost one query.
    str_select_related = ()

    def scope_queryset(self, queryset, request):
        if request.user.is_superuser:
            return queryset
        programme_ids = programme_ids_for(request)
        if not self.programme_path:
            return queryset.filter(pk__in=programme_ids)
        lookup = {f"{self.programme_path}__in": programme_ids}
        if self._path_is_multivalued():
            # A to-many hop would repeat rows; a subquery keeps one row per object.
            return queryset.filter(pk__in=self.model._default_manager.filter(**lookup).values("pk"))
        return queryset.filter(**lookup)

    def _path_is_multivalued(self):
        return any(
            field.many_to_many or field.one_to_many
            for field in get_fields_from_path(self.model, self.programme_path)
        )

    def choices_queryset(self, queryset, request):
        queryset = self.scope_queryset(queryset, request)
        # An empty select_related() would follow every foreign key, not none.
        return queryset.select_related(*self.str_select_related) if self.str_select_related else queryset

    def get_queryset(self, request):
        return self.scope_queryset(super().get_queryset(request), request)

    def get_list_filter(self, request):
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        field = get_fields_from_path(self.model, entry)[-1]
        if field.is_relation and (field.many_to_one or field.many_to_many or field.one_to_one):
            return (entry, ScopedRelatedFieldListFilter)
        return entry


class AuditedAdminMixin:
    """Every add, change and delete made in the admin leaves an entry in the audit log."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_log(
                actor=request.user,
                obj=obj,
                action="admin:changed" if change else "admin:added",
                data={"fields": sorted(form.changed_data)} if change else {},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_log(actor=request.user, obj=obj, action="admin:deleted")
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_log(actor=request.user, obj=obj, action="admin:deleted")
            super().delete_queryset(request, queryset)


class ProgrammeScopedAdmin(AuditedAdminMixin, ProgrammeScopedAdminMixin, admin.ModelAdmin):
    """The base class of the portal's ModelAdmins."""


class ReadOnlyAdminMixin:
    """Rows that are never added, changed or deleted through the admin; viewing is allowed."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InlineQueriesMixin:
    """Keeps an inline's queries constant in its number of rows.

    ``inline_select_related`` names the relations each row's ``__str__`` (shown above the row) follows;
    foreign-key choices are read once for the formset instead of once per row's select box.
    """

    inline_select_related = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.inline_select_related:
            queryset = queryset.select_related(*self.inline_select_related)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and getattr(formfield, "queryset", None) is not None:
            # A list, evaluated now: every row's widget renders from it; validation still uses
            # the (scoped) queryset.
            formfield.choices = list(formfield.choices)
        return formfield


class ScopedPagesMixin:
    """Custom pages beside a ModelAdmin (confirmations, case pages) that act only through services.

    The object is read through the admin's programme-scoped queryset, so another programme's object,
    like a missing or malformed id, is a 404.
    """

    def _scoped_object(self, request, object_id):
        # get_object reads through the scoped get_queryset and takes a malformed id for a missing row.
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        return obj

    def _page(self, request, template, title, obj, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "original": obj,
                **context,
            },
        )
