"""The audit log and the state machines' single door.

Every state change in the portal goes through :func:`transition`, which checks the
transition against the model's table of allowed moves, validates the row, saves only the
state fields and writes the audit entry in the same transaction.
"""

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .exceptions import ServiceError
from .models import AuditEntry

PROGRAMME_PATHS = (
    "programme_id",
    "application.programme_id",
    "plan_period.programme_id",
    "plan.programme_id",
    "source.programme_id",
    "indicator.programme_id",
    "meeting.programme_id",
    "case.meeting.programme_id",
    "decision.application.programme_id",
    "grant.application.programme_id",
    "payout.grant.application.programme_id",
    "report.grant.application.programme_id",
    "assessment.application.programme_id",
)


def _programme_id_of(obj):
    """The programme an audited object belongs to, so the log can be filtered per programme."""
    if obj._meta.label == "omstilling.Programme":
        return obj.pk
    for path in PROGRAMME_PATHS:
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    return None


def audit_log(*, actor, obj, action, from_state="", to_state="", reason="", data=None):
    """Write one immutable audit entry about ``obj``."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=(actor.get_username() if actor is not None and actor.is_authenticated else "system"),
        programme_id=_programme_id_of(obj),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


def locked(obj, queryset=None):
    """A fresh copy of ``obj``'s row, locked until the surrounding transaction ends.

    A service decides on the locked copy, never on the caller's instance, which may be stale:
    two requests that both saw "draft" must not both submit. ``queryset`` (of ``obj``'s model) may
    join in related rows or annotate; only ``obj``'s own row is locked.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked() must be called inside transaction.atomic()")
    if queryset is None:
        return type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    return queryset.select_for_update(of=("self",)).get(pk=obj.pk)


@contextmanager
def validation_refusals():
    """A :class:`ValidationError` raised inside, reported as a :class:`ServiceError` (first field named)."""
    try:
        yield
    except ValidationError as exc:
        field = next(iter(exc.message_dict), None) if hasattr(exc, "error_dict") else None
        raise ServiceError(" ".join(exc.messages), field=field) from exc


def full_clean_or_refuse(obj, **kwargs):
    """``obj.full_clean()``, with a broken rule reported as a :class:`ServiceError`."""
    with validation_refusals():
        obj.full_clean(**kwargs)


@contextmanager
def constraint_refusals(model, *, fields=None):
    """Let the database check ``model``'s constraints and report a broken one as a :class:`ServiceError`.

    A hot path (an applicant's step save) need not ask PostgreSQL about each check constraint
    beforehand (``full_clean`` does so in a savepoint each: three statements a constraint): the
    write itself is the check. A violated constraint of ``model`` comes back with its
    ``violation_error_message``; ``fields`` maps a constraint name to the form field to mark.
    Wrap the whole ``transaction.atomic()`` block, so that the failed transaction is rolled back first.
    """
    try:
        yield
    except IntegrityError as exc:
        text = str(exc)
        broken = [constraint for constraint in model._meta.constraints if constraint.name in text]
        if not broken:
            raise
        # The longest name that matches, should one name be the start of another.
        constraint = max(broken, key=lambda constraint: len(constraint.name))
        raise ServiceError(
            constraint.get_violation_error_message(), field=(fields or {}).get(constraint.name)
        ) from exc


def transition(obj, to_state, *, actor, reason="", action=None, extra_fields=(), data=None, from_states=None):
    """Move ``obj`` to ``to_state`` if its ``TRANSITIONS`` table allows it.

    ``from_states`` narrows the table for a service whose move shares its target with another
    (returning a case from the board and starting a review both lead to "in review").
    ``extra_fields`` are other fields the caller already set (timestamps, who) and that must be
    saved with the state. Raises :class:`ServiceError` with a readable message otherwise.
    """
    from_state = obj.state
    allowed = obj.TRANSITIONS.get(from_state, ())
    if to_state not in allowed or (from_states is not None and from_state not in from_states):
        state_label = dict(obj.State.choices)
        raise ServiceError(
            _("%(object)s kan ikke gå fra «%(from)s» til «%(to)s».")
            % {
                "object": obj._meta.verbose_name.capitalize(),
                "from": state_label.get(from_state, from_state),
                "to": state_label.get(to_state, to_state),
            }
        )
    with transaction.atomic():
        obj.state = to_state
        try:
            full_clean_or_refuse(obj)
        except ServiceError:
            obj.state = from_state
            raise
        obj.save(update_fields=["state", *extra_fields])
        audit_log(
            actor=actor,
            obj=obj,
            action=action or f"state:{to_state}",
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            data=data,
        )
    return obj
