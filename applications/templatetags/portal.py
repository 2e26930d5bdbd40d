import html

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from omstilling.formatting import format_kr
from omstilling.formatting import long_date as _long_date
from omstilling.formatting import oslo_moment as _oslo_moment

register = template.Library()


@register.filter
def nok(value):
    """``1 900 000 kr``."""
    if value is None or value == "":
        return ""
    return format_kr(value)


@register.filter
def oslo_moment(value):
    """``15. mai 2018 kl. 23.59``, in Norwegian time whatever the server's zone."""
    return _oslo_moment(value) if value else ""


@register.filter
def long_date(value):
    """``15. mai 2018``."""
    return _long_date(value) if value else ""


# Form fields, laid out as crispy-forms' Bootstrap 5 pack does (bootstrap5/field.html and the layout templates
# it includes: the same wrapper ids and classes, label with the asterisk of a required field, widget classes,
# error block and help text), but put together here: through crispy-forms' six nested templates a field
# cost about 0.8 ms, which made a form page 10–40 ms. The widget itself comes from Django
# (BoundField.as_widget: value, required, aria-invalid, aria-describedby). Widgets this does not cover (radio
# buttons, multi-widgets, a file input showing the current file) are left to crispy-forms.
# tests/portal/test_application_form.py checks the markup against crispy-forms' for every step.

ASTERISK = '<span class="asteriskField">*</span>'


def _escape(value):
    """``conditional_escape``, without the laziness wrapper that makes it a tenth of a field's cost."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _widget_class(bound_field, extra):
    """The class attribute crispy-forms gives a widget: its own classes, its type, then ``extra``."""
    widget = bound_field.field.widget
    kind = type(widget).__name__.lower()
    css = widget.attrs.get("class", "")
    css = (css if kind in css else f"{css} {kind}") if css else kind
    present = css.split()
    return " ".join([css, *(name for name in extra.split() if name not in present)])


def _errors_and_help(bound_field, errors):
    parts = []
    if errors:
        auto_id = _escape(bound_field.auto_id)
        parts.append(f'<div id="{_escape(errors.field_id)}_error" class="invalid-feedback">')
        parts.extend(
            f'<p id="error_{n}_{auto_id}"><strong>{_escape(error)}</strong></p>'
            for n, error in enumerate(errors, 1)
        )
        parts.append("</div>")
    help_text = bound_field.help_text
    if help_text:
        help_id = f'id="{_escape(bound_field.auto_id)}_helptext" ' if bound_field.auto_id else ""
        parts.append(f'<div {help_id}class="form-text">{help_text}</div>')  # help texts are HTML (|safe)
    return "".join(parts)


def _required(bound_field):
    """Required now, or before the application can be submitted (``PortalForm.required_to_submit``)."""
    return bound_field.field.required or getattr(bound_field.field, "required_to_submit", False)


def _label(bound_field, css):
    required = _required(bound_field)
    target = f' for="{_escape(bound_field.id_for_label)}"' if bound_field.id_for_label else ""
    return (
        f'<label{target} class="{css}{" requiredField" if required else ""}">'
        f"{_escape(bound_field.label)}{ASTERISK if required else ''}</label>"
    )


def _wrapper_class(bound_field, base):
    extra = bound_field.css_classes()
    return f"{base} {_escape(extra)}" if extra else base


@register.simple_tag
def field(bound_field):
    """``{{ field|as_crispy_field }}``, in one step: label, widget, errors, help text."""
    widget = bound_field.field.widget
    if bound_field.is_hidden:
        return str(bound_field)
    errors = bound_field.errors
    invalid = " is-invalid" if errors else ""
    auto_id = _escape(bound_field.auto_id)
    if isinstance(widget, forms.CheckboxInput):
        css = _widget_class(bound_field, "form-check-input" + invalid)
        control = bound_field.as_widget(attrs={"class": css})
        return mark_safe(
            f'<div class="mb-3"><div id="div_{auto_id}" class="{_wrapper_class(bound_field, "form-check")}">'
            f"{control}{_label(bound_field, 'form-check-label')}{_errors_and_help(bound_field, errors)}"
            "</div></div>"
        )
    if widget.use_fieldset or isinstance(widget, (forms.RadioSelect, forms.MultiWidget)):
        return as_crispy_field(bound_field)
    label = _label(bound_field, "form-label") if bound_field.label else ""
    if isinstance(widget, forms.FileInput):
        if bound_field.value():
            return as_crispy_field(bound_field)
        own = widget.attrs.get("class")
        control = bound_field.as_widget(attrs={"class": f"form-control{' ' + own if own else ''}{invalid}"})
        wrapper = '<div class="is-invalid">' if errors else "<div>"
        control = f"{wrapper}{control}{_errors_and_help(bound_field, errors)}</div>"
    else:
        extra = "form-select" if isinstance(widget, forms.Select) else "form-control"
        control = bound_field.as_widget(attrs={"class": _widget_class(bound_field, extra + invalid)})
        control += _errors_and_help(bound_field, errors)
    return mark_safe(
        f'<div id="div_{auto_id}" class="{_wrapper_class(bound_field, "mb-3")}">{label}{control}</div>'
    )


@register.simple_tag
def fields(form):
    """``{{ form|crispy }}``: the form's own errors, then every field."""
    parts = []
    errors = form.non_field_errors()
    if errors:
        items = "\n".join(f"<li>{_escape(error)}</li>" for error in errors)
        parts.append(f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>')
    parts.extend(field(bound_field) for bound_field in form)
    return mark_safe("".join(parts))


@register.simple_tag
def budget_line(form, number=None):
    """One row of the cost or the financing plan (a formset form), as a fieldset with a hidden legend.

    ``number`` counts the rows for the legend; without it the row is the blank one the "add row"
    button copies. Put together here rather than in an included template: the budget step has a
    dozen rows or more, and an include per row cost as much as the fields in it.
    """
    if "kind" in form.fields:
        legend = _("Finansiering %(number)s") % {"number": number} if number else _("Ny finansiering")
        cells = [("col-sm-4", "kind"), ("col-sm-3", "source"), ("col-sm-3", "amount")]
    else:
        legend = _("Kostnad %(number)s") % {"number": number} if number else _("Ny kostnad")
        cells = [("col-sm-6", "description"), ("col-sm-4", "amount")]
    cells.append(("col-sm-2 pt-sm-4 mt-sm-2", "DELETE"))
    columns = "".join(f'\n    <div class="{css}">{field(form[name])}</div>' for css, name in cells)
    return mark_safe(
        f'<fieldset class="budget-line" id="{_escape(form.prefix)}-row">\n'
        f'  <legend class="visually-hidden">{_escape(legend)}</legend>\n'
        f'  <div class="row g-2 align-items-start">{columns}\n  </div>\n</fieldset>'
    )
