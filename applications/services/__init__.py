"""Writes for applications: the applicant portal (organisations, drafts, attachments, submit and
withdraw) and case handling's state changes.

Each service locks the application row, decides on the fresh locked copy and returns it; the
caller's instance is left as it was. Services that edit a draft lock the row the same way, so that
nothing is changed while it is being submitted.

Who may call each service is its policy (:mod:`applications.policies`), asked first by
:func:`omstilling.policies.guarded`; the services an applicant calls re-check the membership in the
statement that locks the application (``_locked_for_member``). The reads that decide whether a draft
is complete are in :mod:`applications.selectors`.
"""

import json
import uuid
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    Application,
    ApplicationSnapshot,
    Attachment,
    CostLine,
    Decision,
    FinancingLine,
    Organisation,
    OrganisationJoinRequest,
    OrganisationMembership,
)
from applications.policies import (
    can_act_for_organisation,
    can_decide_join_request,
    can_handle_case,
    can_send_to_board,
    can_use_portal,
)
from applications.selectors import (
    application_problems,
    budget_problems,
    budget_totals,
    missing_parts,
    open_supplement_refusal,
)
from applications.uploads import describe_upload, store_upload
from omstilling.audit import (
    audit_log,
    constraint_refusals,
    full_clean_or_refuse,
    locked,
    transition,
    validation_refusals,
)
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.formatting import oslo_moment
from omstilling.models import Call, FocusArea
from omstilling.policies import Refused, guarded, system_service

from .journal import register_application
from .receipts import _notify_submitted


class ApplicationIncompleteError(ServiceError):
    """Submit refused because parts are missing; ``problems`` lists them one by one."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = "\n".join(f"– {problem}" for problem in self.problems)
        super().__init__(_("Søknaden kan ikke sendes inn før dette er på plass:") + "\n" + lines)


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Du må oppgi en begrunnelse."), field="reason")
    return reason


def _check_call_is_open(application, now):
    call = application.call
    if call is None:
        raise ServiceError(_("Søknaden er ikke knyttet til en utlysning og kan ikke sendes inn."))
    if now < call.opens_at:
        raise ServiceError(
            _("Utlysningen er ikke åpnet ennå. Den åpner %(opens)s.") % {"opens": oslo_moment(call.opens_at)}
        )
    if now > call.deadline:
        raise ServiceError(
            _("Søknadsfristen er ute. Fristen var %(deadline)s.") % {"deadline": oslo_moment(call.deadline)}
        )


def _row(obj, exclude=()):
    return {
        field.attname: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if field.attname not in exclude
    }


def _snapshot_data(application, cost_lines, financing_lines):
    """Everything the applicant submitted, as plain JSON (money and dates as strings)."""
    organisation = application.organisation
    data = {
        "application": _row(application),
        "call": {"id": application.call_id, "title": application.call.title},
        "focus_area": {"id": application.focus_area_id, "name": application.focus_area.name},
        "organisation": {
            "id": organisation.pk,
            "orgnr": organisation.orgnr,
            "name": organisation.name,
            "address": organisation.address,
            "postal_code": organisation.postal_code,
            "city": organisation.city,
        },
        "cost_lines": [_row(line, exclude=("application_id",)) for line in cost_lines],
        "financing_lines": [_row(line, exclude=("application_id",)) for line in financing_lines],
        "attachments": [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "file": attachment.file.name,
                "original_name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "uploaded_at": attachment.uploaded_at,
            }
            for attachment in application.attachments.order_by("uploaded_at", "pk")
        ],
        "totals": {
            key: value
            for key, value in budget_totals(cost_lines, financing_lines).items()
            if key in ("costs", "financing", "applied")
        },
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@guarded(can_act_for_organisation)
def application_submit(application: Application, *, actor: User) -> Application:
    """Submit a draft before the call's deadline, keep a frozen copy and send the receipt."""
    with transaction.atomic():
        return _submit(_locked_for_member(application, actor), actor)


def _submit(application, actor):
    """Submit ``application``, locked by the caller's transaction."""
    if application.state != Application.State.DRAFT:
        if application.state == Application.State.SUBMITTED:
            raise ServiceError(_("Søknaden er allerede sendt inn."))
        raise ServiceError(
            _("Bare et utkast kan sendes inn. Søknaden har status «%(state)s».")
            % {"state": application.get_state_display()}
        )
    now = timezone.now()
    _check_call_is_open(application, now)
    cost_lines = list(application.cost_lines.all())
    financing_lines = list(application.financing_lines.all())
    problems = missing_parts(application, cost_lines, financing_lines)
    if problems:
        raise ApplicationIncompleteError(problems)

    application.submitted_at = now
    transition(
        application,
        Application.State.SUBMITTED,
        actor=actor,
        extra_fields=["submitted_at", "updated_at"],
    )
    snapshot = ApplicationSnapshot(
        application=application,
        submitted_at=now,
        submitted_by=actor,
        data=_snapshot_data(application, cost_lines, financing_lines),
    )
    full_clean_or_refuse(snapshot)
    snapshot.save()
    register_application(application, registered_at=now)
    application_id = application.pk
    # A named callable, not functools.partial: Django logs a failing robust callback by its
    # __qualname__, which a partial lacks, so the AttributeError would turn a committed
    # submission into an error page when the broker is down.
    transaction.on_commit(lambda: _notify_submitted(application_id), robust=True)
    return application


@guarded(can_act_for_organisation)
def application_withdraw(application: Application, *, actor: User, reason: str = "") -> Application:
    """The applicant takes the application back (from draft or submitted)."""
    with transaction.atomic():
        application = _locked_for_member(application, actor)
        application.withdrawn_at = timezone.now()
        return transition(
            application,
            Application.State.WITHDRAWN,
            actor=actor,
            reason=(reason or "").strip(),
            extra_fields=["withdrawn_at", "updated_at"],
        )


@guarded(can_handle_case)
def application_review_start(application: Application, *, actor: User) -> Application:
    """Case handling starts on a submitted application."""
    with transaction.atomic():
        application = locked(application)
        return transition(
            application,
            Application.State.IN_REVIEW,
            actor=actor,
            extra_fields=["updated_at"],
            from_states=[Application.State.SUBMITTED],
        )


@guarded(can_send_to_board)
def application_send_to_board(application: Application, *, actor: User) -> Application:
    """Put the application before the board; it needs a finished assessment first."""
    with transaction.atomic():
        application = locked(application)
        refusal = open_supplement_refusal(application)
        if refusal:
            raise ServiceError(refusal)
        if application.state == Application.State.IN_REVIEW:
            assessment = getattr(application, "assessment", None)
            if assessment is None or assessment.submitted_at is None:
                raise ServiceError(_("Søknaden må ha en ferdig vurdering før den kan sendes til styret."))
        return transition(application, Application.State.TO_BOARD, actor=actor, extra_fields=["updated_at"])


@system_service
def application_return_to_review(application: Application, *, actor: User, reason: str = "") -> Application:
    """The board sends the case back to the programme leader."""
    with transaction.atomic():
        application = locked(application)
        return transition(
            application,
            Application.State.IN_REVIEW,
            actor=actor,
            reason=(reason or "").strip(),
            extra_fields=["updated_at"],
            from_states=[Application.State.TO_BOARD],
        )


@system_service
def application_reject(application: Application, *, actor: User, reason: str) -> Application:
    """Reject in case handling or after the board's decision; a rejection is always reasoned."""
    reason = _require_reason(reason)
    with transaction.atomic():
        application = locked(application)
        application.decided_at = timezone.now()
        return transition(
            application,
            Application.State.REJECTED,
            actor=actor,
            reason=reason,
            extra_fields=["decided_at", "updated_at"],
        )


@system_service
def application_approve(application: Application, *, actor: User, decision: Decision) -> Application:
    """Mark the application approved because ``decision`` (the board's vedtak) approved it."""
    if decision.application_id != application.pk or decision.outcome != Decision.Outcome.APPROVED:
        raise ServiceError(_("Søknaden kan bare innvilges på grunnlag av et vedtak om å innvilge den."))
    with transaction.atomic():
        application = locked(application)
        # A rejection stands unless the board reverses it on the applicant's appeal (klage): the new
        # decision then replaces the rejection and was made in the appeal's case.
        reverses_on_appeal = (
            decision.corrects_id is not None
            and decision.corrects.outcome == Decision.Outcome.REJECTED
            and decision.case_id is not None
            and decision.case.appeal_id is not None
        )
        from_states = None if reverses_on_appeal else [Application.State.TO_BOARD]
        application.decided_at = decision.decided_at
        return transition(
            application,
            Application.State.APPROVED,
            actor=actor,
            extra_fields=["decided_at", "updated_at"],
            data={"decision_id": decision.pk, "amount": str(decision.amount)},
            from_states=from_states,
        )


# --- The applicant portal: organisations, drafts and attachments ---------------------------------


def _locked_for_member(application, actor, *, related=()):
    """``locked(application)``, with the policy's membership check asked again under the lock.

    The check rides along in the locking ``SELECT … FOR UPDATE`` (which locks the application's row
    only, not the ``related`` rows joined in), so it costs no extra round trip to the database: a
    membership withdrawn between the policy's answer and the lock still stops the write.
    """
    current = locked(
        application,
        Application.objects.select_related(*related).annotate(
            actor_is_member=Exists(
                OrganisationMembership.objects.filter(organisation=OuterRef("organisation"), user=actor)
            )
        ),
    )
    if not current.actor_is_member:
        raise Refused(_("Du har ikke tilgang til å handle for denne organisasjonen."))
    return current


def _require_editable(application):
    if application.state != Application.State.DRAFT:
        raise ServiceError(
            _("Søknaden har status «%(state)s» og kan ikke endres lenger.")
            % {"state": application.get_state_display()}
        )


class OrganisationAlreadyRegisteredError(ServiceError):
    """The organisation number is taken: the person should ask to join the organisation instead."""

    def __init__(self, orgnr):
        self.orgnr = orgnr
        super().__init__(
            _(
                "Organisasjonsnummer %(orgnr)s er allerede registrert. Be om tilgang til organisasjonen i "
                "stedet; en av administratorene må godkjenne det."
            )
            % {"orgnr": orgnr},
            field="orgnr",
        )


@guarded(can_use_portal)
def organisation_register(*, actor: User, orgnr: str, name: str, **details) -> Organisation:
    """Register a new organisation; the person who registers it becomes its administrator."""
    try:
        with transaction.atomic():
            if Organisation.objects.filter(orgnr=orgnr).exists():
                raise OrganisationAlreadyRegisteredError(orgnr)
            organisation = Organisation(orgnr=orgnr, name=name, **details)
            # The number's constraints are the insert's to check: a registration committed a moment
            # ago in another request is refused there, and answered as the check above answers.
            full_clean_or_refuse(organisation, validate_constraints=False)
            organisation.save()
            OrganisationMembership.objects.create(
                organisation=organisation, user=actor, role=OrganisationMembership.Role.ADMIN
            )
            audit_log(actor=actor, obj=organisation, action="organisation_register")
    except IntegrityError as exc:
        if "organisation_unique_orgnr" in str(exc):
            raise OrganisationAlreadyRegisteredError(orgnr) from exc
        if "organisation_orgnr_9_digits" in str(exc):
            raise ServiceError(_("Organisasjonsnummeret må ha 9 siffer."), field="orgnr") from exc
        raise
    return organisation


def _notify_join_requested(join_request_id):
    enqueue("applications.tasks.organisation_join_requested_notify", join_request_id)


@guarded(can_use_portal)
def organisation_join_request(*, actor: User, orgnr: str) -> OrganisationJoinRequest:
    """Ask to act for an existing organisation. Nothing is visible until an administrator approves."""
    with transaction.atomic():
        organisation = Organisation.objects.filter(orgnr=orgnr).first()
        if organisation is None:
            raise ServiceError(
                _(
                    "Ingen organisasjon med organisasjonsnummer %(orgnr)s er registrert her ennå. "
                    "Registrer den i stedet."
                )
                % {"orgnr": orgnr},
                field="orgnr",
            )
        if organisation.memberships.filter(user=actor).exists():
            raise ServiceError(
                _("Du har allerede tilgang til %(name)s.") % {"name": organisation.name}, field="orgnr"
            )
        existing = organisation.join_requests.filter(user=actor, decided_at__isnull=True).first()
        if existing is not None:
            return existing
        join_request = OrganisationJoinRequest.objects.create(organisation=organisation, user=actor)
        audit_log(actor=actor, obj=join_request, action="organisation_join_request")
        transaction.on_commit(lambda: _notify_join_requested(join_request.pk), robust=True)
    return join_request


@guarded(can_decide_join_request)
def organisation_join_decide(
    join_request: OrganisationJoinRequest, *, actor: User, approve: bool
) -> OrganisationJoinRequest:
    """An administrator of the organisation approves or declines a request for access."""
    with transaction.atomic():
        join_request = locked(join_request)
        if join_request.decided_at is not None:
            raise ServiceError(_("Forespørselen er allerede behandlet."))
        join_request.decided_at = timezone.now()
        join_request.decided_by = actor
        join_request.approved = bool(approve)
        join_request.save(update_fields=["decided_at", "decided_by", "approved"])
        if approve:
            OrganisationMembership.objects.get_or_create(
                organisation_id=join_request.organisation_id,
                user_id=join_request.user_id,
                defaults={"role": OrganisationMembership.Role.MEMBER},
            )
        audit_log(
            actor=actor,
            obj=join_request,
            action="organisation_join_approve" if approve else "organisation_join_decline",
        )
    return join_request


@guarded(can_act_for_organisation)
def application_create(
    organisation: Organisation, *, actor: User, call: Call, category: str, focus_area: FocusArea, title: str
) -> Application:
    """Start a draft under an open call for one of the actor's organisations."""
    with transaction.atomic():
        now = timezone.now()
        if call.is_historical or now > call.deadline:
            raise ServiceError(
                _("Utlysningen er stengt. Søknadsfristen var %(deadline)s.")
                % {"deadline": oslo_moment(call.deadline)}
            )
        if now < call.opens_at:
            raise ServiceError(_("Utlysningen åpner %(opens)s.") % {"opens": oslo_moment(call.opens_at)})
        _check_category_and_area(call, category, focus_area.pk)
        application = Application(
            # A unique placeholder until the row has its id; the reference is set in the same transaction.
            reference=f"new-{uuid.uuid4().hex[:24]}",
            programme_id=call.programme_id,
            call=call,
            organisation=organisation,
            created_by=actor,
            category=category,
            focus_area=focus_area,
            title=title,
            contact_name=actor.full_name,
            contact_email=actor.email,
            contact_phone=actor.phone,
        )
        full_clean_or_refuse(application, exclude=["reference"])
        application.save()
        application.reference = f"S{call.year}-{application.pk:05d}"
        application.save(update_fields=["reference"])
        audit_log(actor=actor, obj=application, action="application_create", to_state=application.state)
    return application


def _check_category_and_area(call, category, focus_area_id):
    if category not in call.admitted_categories:
        raise ServiceError(
            _("Utlysningen tar ikke imot søknader i denne kategorien. Velg en av kategoriene i listen."),
            field="category",
        )
    if not call.focus_areas.filter(pk=focus_area_id).exists():
        raise ServiceError(_("Velg et av utlysningens innsatsområder."), field="focus_area")


# The form field to mark when a step's save breaks one of the application's check constraints.
_CONSTRAINT_FIELDS = {
    "application_dates_ordered": "end_date",
    "application_de_minimis_non_negative": "de_minimis_received",
    "application_category_valid": "category",
}


@guarded(can_act_for_organisation)
def application_save_step(application: Application, *, actor: User, **fields) -> Application:
    """Save one step of a draft: only the fields given, and only while it is a draft.

    Five statements, as an applicant saves often: the policy's membership check, the locked row with
    the membership checked again, the focus area against the call's, the update, the commit. The
    step's own values are checked in Python (``clean_fields``); the check constraints by the update
    itself (``constraint_refusals``); the cross-table rules of ``Application.clean`` cannot change
    here, as a step never moves an application to another call or programme and the focus area is
    checked against the call's.
    """
    with constraint_refusals(Application, fields=_CONSTRAINT_FIELDS), transaction.atomic():
        application = _locked_for_member(application, actor, related=("call",))
        _require_editable(application)
        area_checked = "category" in fields or "focus_area" in fields
        if area_checked:
            area = fields.get("focus_area")
            area_id = getattr(area, "pk", None) if "focus_area" in fields else application.focus_area_id
            _check_category_and_area(application.call, fields.get("category", application.category), area_id)
        for name, value in fields.items():
            setattr(application, name, value)
        # Only the fields of this step changed; the others were checked when they were saved.
        # A foreign key's own check (does the row exist) is one more query: the call's list did it.
        unchanged = [field.name for field in Application._meta.concrete_fields if field.name not in fields]
        with validation_refusals():
            application.clean_fields(exclude=[*unchanged, *(["focus_area"] if area_checked else [])])
        application.save(update_fields=[*fields, "updated_at"])
    return application


@guarded(can_act_for_organisation)
def application_save_budget(
    application: Application,
    *,
    actor: User,
    cost_lines: list[tuple[str, Decimal]],
    financing_lines: list[tuple[str, str, Decimal]],
) -> Application:
    """Replace the cost and financing plans; both must balance and respect the call's rules.

    ``cost_lines`` are (description, amount); ``financing_lines`` are (kind, source, amount).
    An empty budget is a valid draft; a budget with lines must be complete.
    """
    with transaction.atomic():
        application = _locked_for_member(application, actor, related=("call",))
        _require_editable(application)
        costs = [
            CostLine(application=application, order=n, description=description, amount=amount)
            for n, (description, amount) in enumerate(cost_lines)
        ]
        financing = [
            FinancingLine(application=application, order=n, kind=kind, source=source, amount=amount)
            for n, (kind, source, amount) in enumerate(financing_lines)
        ]
        if costs or financing:
            problems = budget_problems(application.call, costs, financing)
            if problems:
                raise ServiceError(" ".join(str(problem) for problem in problems))
        for line in costs + financing:
            full_clean_or_refuse(line, exclude=["application"])
        application.cost_lines.all().delete()
        application.financing_lines.all().delete()
        CostLine.objects.bulk_create(costs)
        FinancingLine.objects.bulk_create(financing)
        application.save(update_fields=["updated_at"])
    return application


@guarded(can_act_for_organisation)
def application_submit_from_portal(application: Application, *, actor: User, confirmed: bool) -> Application:
    """The applicant's submit: the portal also requires the state-aid declaration, and that the
    applicant confirms on the review page that what she sends is correct."""
    with transaction.atomic():
        current = _locked_for_member(application, actor)
        if current.state == Application.State.DRAFT and not (current.de_minimis_declared and confirmed):
            _check_call_is_open(current, timezone.now())
            problems = application_problems(current)
            if problems:
                raise ApplicationIncompleteError(problems)
            raise ServiceError(
                _("Kryss av for at opplysningene er riktige før du sender inn."), field="confirmed"
            )
        return _submit(current, actor)


@guarded(can_act_for_organisation)
def attachment_add(application: Application, *, actor: User, upload: UploadedFile, kind: str) -> Attachment:
    """Attach a checked file to a draft; it is stored under a random name outside the web root."""
    with transaction.atomic():
        application = _locked_for_member(application, actor)
        _require_editable(application)
        attachment = Attachment(
            application=application, kind=kind, uploaded_by=actor, **describe_upload(upload)
        )

        def write():
            full_clean_or_refuse(attachment)
            attachment.save()
            audit_log(
                actor=actor, obj=attachment, action="attachment_add", data={"sha256": attachment.sha256}
            )

        store_upload(attachment, upload, write)
    return attachment


@guarded(can_act_for_organisation)
def attachment_remove(attachment: Attachment, *, actor: User) -> None:
    """Remove an attachment from a draft; the file goes once the removal is committed."""
    with transaction.atomic():
        application = _locked_for_member(attachment.application, actor)
        _require_editable(application)
        audit_log(actor=actor, obj=attachment, action="attachment_remove", data={"sha256": attachment.sha256})
        # The file (on disk or in the object store) goes once this is committed: omstilling.files.
        attachment.delete()
