from django.http import FileResponse

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied


def private_download(stored_file, filename, content_type):
    """A private upload or letter as a download that no shared cache may keep."""
    response = FileResponse(
        stored_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


def error_summary(*forms):
    """[(message, anchor)] for the error summary at the top of a page, in the order of the page."""
    items = []
    for form in forms:
        if form is None:
            continue
        if hasattr(form, "forms"):  # a formset
            items += [(error, f"#{form.prefix}-errors") for error in form.non_form_errors()]
            for inner in form.forms:
                items += error_summary(inner)
            continue
        items += [(error, f"#{form.prefix or 'form'}-errors") for error in form.non_field_errors()]
        for field in form:
            items += [(f"{field.label}: {error}", f"#{field.id_for_label}") for error in field.errors]
    return items


def add_service_error(form, exc: ServiceError):
    """Show a service's refusal on the field it names, or at the top of the form; an actor refused by
    a policy gets the permission-denied page instead (the form offers nothing they may do)."""
    if isinstance(exc, Refused):
        raise as_permission_denied(exc)
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
