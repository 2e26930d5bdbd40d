"""Starting, filling in, submitting and following an application."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .. import selectors, services
from ..forms import (
    ApplicationStartForm,
    AttachmentForm,
    ContactForm,
    CostLineFormSet,
    ProjectForm,
    ResultsForm,
    StateAidForm,
    SubmitForm,
    WithdrawForm,
    financing_formset,
)
from ..forms_case import CaseMessageForm
from ..models import Application, CostLine, FinancingLine
from ..services import ApplicationIncompleteError
from .common import add_service_error, error_summary, private_download

STEPS = [
    ("kontakt", gettext_lazy("Organisasjon og kontakt")),
    ("prosjekt", gettext_lazy("Prosjektet")),
    ("budsjett", gettext_lazy("Kostnader og finansiering")),
    ("resultater", gettext_lazy("Forventede resultater")),
    ("bagatellstotte", gettext_lazy("Bagatellstøtte")),
    ("vedlegg", gettext_lazy("Vedlegg")),
    ("oppsummering", gettext_lazy("Oppsummering og innsending")),
]
STEP_NAMES = [name for name, _label in STEPS]
MODEL_FORMS = {
    "kontakt": ContactForm,
    "prosjekt": ProjectForm,
    "resultater": ResultsForm,
    "bagatellstotte": StateAidForm,
}


def _step_url(application, step):
    return reverse("application_step", kwargs={"pk": application.pk, "step": step})


def _next_step(step):
    return STEP_NAMES[min(STEP_NAMES.index(step) + 1, len(STEP_NAMES) - 1)]


def _render_step(request, application, step, context, status=200):
    context = {
        "application": application,
        "step": step,
        "steps": [(name, label, _step_url(application, name)) for name, label in STEPS],
        "step_number": STEP_NAMES.index(step) + 1,
        "step_label": dict(STEPS)[step],
        "step_count": len(STEPS),
        **context,
    }
    return render(request, f"portal/steps/{step}.html", context, status=status)


def _after_save(request, application, step):
    messages.success(request, _("Utkastet er lagret."))
    if "save_and_stay" in request.POST:
        return redirect(_step_url(application, step))
    return redirect(_step_url(application, _next_step(step)))


@login_required
def my_applications(request):
    return render(
        request,
        "portal/my_applications.html",
        {"applications": selectors.applications_listed_for_user(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_start(request, call_pk):
    call = selectors.open_call(call_pk)
    organisations = selectors.organisations_for_user(request.user)
    if not organisations.exists():
        messages.info(
            request, _("Registrer organisasjonen du søker for, eller be om tilgang til den, før du starter.")
        )
        return redirect(f"{reverse('organisation_register')}?next={request.path}")
    form = ApplicationStartForm(request.POST or None, call=call, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            application = services.application_create(
                data["organisation"],
                actor=request.user,
                call=call,
                category=data["category"],
                focus_area=data["focus_area"],
                title=data["title"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Søknaden er opprettet som utkast med referanse %(ref)s.") % {"ref": application.reference},
            )
            return redirect(_step_url(application, STEP_NAMES[0]))
    return render(
        request, "portal/application_start.html", {"call": call, "form": form, "errors": error_summary(form)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request, pk, step):
    if step not in STEP_NAMES:
        raise Http404
    lean = step in MODEL_FORMS or step == "budsjett"
    related = ("call", "organisation") if lean else selectors.APPLICATION_RELATED
    application = selectors.application_for_member(request.user, pk, related)
    if not application.is_editable:
        return redirect("application_detail", pk=application.pk)
    if step in MODEL_FORMS:
        return _model_form_step(request, application, step)
    if step == "budsjett":
        return _budget_step(request, application)
    if step == "vedlegg":
        return _attachments_step(request, application, AttachmentForm())
    return _summary_step(request, application)


def _instance_data(form):
    """The values ``form`` shows for its instance, as data to bind it to."""
    data = {}
    for bound_field in form:
        value = bound_field.value()
        if value is None or value is False:
            continue  # nothing posted, as an empty field or an unticked box would be
        data[bound_field.html_name] = value
    return data


def _checked_form(form_class, application):
    """``form_class`` bound to what the draft holds and checked as for submitting: its errors are
    what this step still lacks."""
    form = form_class(_instance_data(form_class(instance=application)), instance=application)
    form.is_valid()
    return form


def _model_form_step(request, application, step):
    form_class = MODEL_FORMS[step]
    if request.method == "POST":
        # "Lagre utkast" keeps what is there even if something required is missing; going on asks for it.
        form = form_class(request.POST, instance=application, draft="save_and_stay" in request.POST)
    elif request.GET.get("sjekk"):
        # From the review page: the step shows what it still lacks, at each field.
        form = _checked_form(form_class, application)
    else:
        form = form_class(instance=application)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        try:
            services.application_save_step(application, actor=request.user, **fields)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _after_save(request, application, step)
    status = 400 if form.errors else 200
    # A blank form has nothing to summarise (and walking its fields costs as much as rendering some).
    errors = error_summary(form) if form.is_bound else []
    return _render_step(request, application, step, {"form": form, "errors": errors}, status)


def _kept_rows(formset):
    """The rows of a bound budget formset that count: a blank extra row has no cleaned data, a ticked
    "Slett" drops the row, and a row whose amount could not be read has none to add up."""
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None)
        and not form.cleaned_data.get("DELETE")
        and form.cleaned_data.get("amount") is not None
    ]


def _budget_step(request, application):
    data = request.POST if request.method == "POST" else None
    cost_lines = list(application.cost_lines.all())
    financing_lines = list(application.financing_lines.all())
    costs = CostLineFormSet(
        data,
        prefix="cost",
        initial=[{"description": line.description, "amount": line.amount} for line in cost_lines],
    )
    financing = financing_formset(data, financing_lines)
    budget_errors = []
    valid = False
    totals = selectors.budget_totals(cost_lines, financing_lines)
    if data is not None:
        # Both formsets are checked, so that every row's errors show; the sums are those of the rows
        # as posted (a row whose amount cannot be read counts as nothing), not of the saved plan.
        valid = all([costs.is_valid(), financing.is_valid()])
        posted_costs = [
            CostLine(description=form.cleaned_data.get("description", ""), amount=form.cleaned_data["amount"])
            for form in _kept_rows(costs)
        ]
        posted_financing = [
            FinancingLine(
                kind=form.cleaned_data.get("kind", ""),
                source=form.cleaned_data.get("source", ""),
                amount=form.cleaned_data["amount"],
            )
            for form in _kept_rows(financing)
        ]
        totals = selectors.budget_totals(posted_costs, posted_financing)
    if valid:
        cost_rows = [(line.description, line.amount) for line in posted_costs]
        financing_rows = [(line.kind, line.source, line.amount) for line in posted_financing]
        if cost_rows or financing_rows:
            budget_errors = selectors.budget_problems(application.call, posted_costs, posted_financing)
        if not budget_errors:
            try:
                services.application_save_budget(
                    application, actor=request.user, cost_lines=cost_rows, financing_lines=financing_rows
                )
            except Refused as exc:
                raise as_permission_denied(exc) from exc
            except ServiceError as exc:
                budget_errors = [exc.message]
            else:
                return _after_save(request, application, "budsjett")
    errors = error_summary(costs, financing) if data is not None else []
    errors += [(error, "#budget-errors") for error in budget_errors]
    return _render_step(
        request,
        application,
        "budsjett",
        {
            "costs": costs,
            "financing": financing,
            "budget_errors": budget_errors,
            "errors": errors,
            "call": application.call,
            "totals": totals,
        },
        status=400 if errors else 200,
    )


def _attachments_step(request, application, form, status=200):
    return _render_step(
        request,
        application,
        "vedlegg",
        {
            "form": form,
            "attachments": application.attachments.all(),
            "errors": error_summary(form),
            "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        },
        status,
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    application = selectors.application_for_member(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                application,
                actor=request.user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("«%(name)s» er lastet opp.") % {"name": attachment.original_name})
            return redirect(_step_url(application, "vedlegg"))
    if not application.is_editable:
        return redirect("application_detail", pk=application.pk)
    return _attachments_step(request, application, form, status=400)


@login_required
@require_POST
def attachment_remove(request, pk, attachment_pk):
    application = selectors.application_for_member(request.user, pk)
    attachment = application.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    try:
        services.attachment_remove(attachment, actor=request.user)
    except Refused as exc:
        raise as_permission_denied(exc) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("«%(name)s» er fjernet.") % {"name": attachment.original_name})
    return redirect(_step_url(application, "vedlegg"))


def attachment_download(request, pk):
    attachment = selectors.attachment_for_reader(request.user, pk)
    return private_download(attachment.file, attachment.original_name, attachment.content_type)


def _summary_context(application):
    cost_lines = list(application.cost_lines.all())
    financing_lines = list(application.financing_lines.all())
    return {
        "cost_lines": cost_lines,
        "financing_lines": financing_lines,
        # What was submitted; documents sent later (ettersending, klage) are shown with their request
        # or appeal.
        "attachments": list(application.attachments.filter(supplement__isnull=True, appeal__isnull=True)),
        "totals": selectors.budget_totals(cost_lines, financing_lines),
    }


def _incomplete_steps(application, context):
    """[(label, url)] of the steps that lack something: a step of fields links to itself with those
    fields marked, the budget step to itself (its problems are named on the review page)."""
    steps = []
    for name, label in STEPS:
        if name in MODEL_FORMS:
            if not _checked_form(MODEL_FORMS[name], application).is_valid():
                steps.append((label, f"{_step_url(application, name)}?sjekk=1"))
        elif name == "budsjett" and selectors.budget_problems(
            application.call, context["cost_lines"], context["financing_lines"]
        ):
            steps.append((label, _step_url(application, name)))
    return steps


def _summary_step(request, application, form=None, submit_errors=None, status=200):
    problems = selectors.application_problems(application) if application.is_editable else []
    context = _summary_context(application)
    form = form or SubmitForm()
    return _render_step(
        request,
        application,
        "oppsummering",
        {
            **context,
            "problems": problems,
            "incomplete_steps": _incomplete_steps(application, context) if problems else [],
            "submit_errors": submit_errors or [],
            "call_open": selectors.call_is_open(application.call),
            "form": form,
            "errors": error_summary(form) if form.is_bound else [],
        },
        status,
    )


@login_required
@require_POST
def application_submit(request, pk):
    application = selectors.application_for_member(request.user, pk)
    form = SubmitForm(request.POST)
    form.is_valid()
    try:
        # The service decides: an unticked confirmation is refused there, not only by this form.
        services.application_submit_from_portal(
            application, actor=request.user, confirmed=form.cleaned_data.get("confirmed", False)
        )
    except ApplicationIncompleteError as exc:
        return _summary_step(request, application, form, submit_errors=exc.problems, status=400)
    except Refused as exc:
        raise as_permission_denied(exc) from exc
    except ServiceError as exc:
        application.refresh_from_db(fields=["state", "submitted_at"])
        if application.state == Application.State.SUBMITTED:
            # A double click or a second tab: the first request submitted it; show its receipt.
            return redirect("application_receipt", pk=application.pk)
        if exc.field == "confirmed":
            if not form.has_error("confirmed"):
                form.add_error("confirmed", exc.message)
            return _summary_step(request, application, form, status=400)
        return _summary_step(request, application, form, submit_errors=[exc.message], status=400)
    return redirect("application_receipt", pk=application.pk)


@login_required
def application_receipt(request, pk):
    application = selectors.application_for_member(request.user, pk)
    if application.submitted_at is None:
        return redirect(_step_url(application, "oppsummering"))
    return render(request, "portal/receipt.html", {"application": application})


@login_required
def application_detail(request, pk):
    application = selectors.application_for_member(request.user, pk)
    if application.is_editable:
        return redirect(_step_url(application, STEP_NAMES[0]))
    return application_detail_page(request, application)


def _appeal_standing(application):
    """The appeal standing, each appeal with the meeting whose agenda it is on last (``meeting``)."""
    standing = selectors.appeal_standing(application)
    for appeal in standing.appeals:
        meetings = [case.meeting for case in appeal.board_cases.all()]
        appeal.meeting = max(meetings, key=lambda meeting: meeting.starts_at, default=None)
    return standing


def application_detail_page(request, application, *, message_form=None, status=200):
    """A submitted application as its applicant sees it, with the case's messages, requests and
    appeals."""
    return render(
        request,
        "portal/application_detail.html",
        {
            "application": application,
            "decisions": list(selectors.decisions_for_application(application)),
            **_summary_context(application),
            **selectors.case_exchange(application),
            "appeal": _appeal_standing(application),
            "message_form": message_form or CaseMessageForm(),
            "errors": error_summary(message_form) if message_form is not None else [],
        },
        status=status,
    )


@login_required
def letter_download(request, pk):
    letter = selectors.letter_for_member(request.user, pk)
    filename = f"{letter.get_kind_display().lower()}-{letter.decision.application.reference}.pdf"
    return private_download(letter.file, filename, "application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = selectors.application_for_member(request.user, pk)
    if Application.State.WITHDRAWN not in Application.TRANSITIONS.get(application.state, ()):
        messages.error(
            request,
            _("Søknaden kan ikke trekkes når den har status «%(state)s».")
            % {"state": application.get_state_display()},
        )
        return redirect("my_applications")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(application, actor=request.user, reason=form.cleaned_data["reason"])
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Søknaden %(ref)s er trukket.") % {"ref": application.reference})
        return redirect("my_applications")
    return render(
        request,
        "portal/withdraw.html",
        {"application": application, "form": form, "errors": error_summary(form)},
    )
