"""Who may do what: one door for permissions, as :func:`omstilling.audit.transition` is for state changes.

A *policy* is a predicate ``policy(user, obj) -> str | None``: None when ``user`` may carry the action
out on ``obj`` now, otherwise the reason, a sentence written for the person refused. A write service
declares its policy with :func:`guarded`, which asks it before the service runs (and the service asks
again under its row lock where the answer depends on state that can change). Pages ask the same
predicate to show or hide a button, so a button shown is an action allowed, and one hidden is refused
at the service too.

Every write service is in :data:`SERVICES`, with its policy: the role matrix test enumerates them and
fails on a service module function that is not registered. Services that only the system runs (a
Celery task, a beat job) are registered with :func:`system_service`; they take no user actor.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied

from .exceptions import ServiceError


class Refused(ServiceError):  # noqa: N818 - a refusal, not an error of the program
    """The actor may not do this, whatever the data: pages answer with the permission-denied page."""


@dataclass(frozen=True)
class Registered:
    service: Callable
    policy: Callable | None  # None: run by the system only (tasks, beat, commands run by the operator)


# "module.function" → Registered, filled as the service modules are imported.
SERVICES: dict[str, Registered] = {}


def _register(service, policy):
    SERVICES[f"{service.__module__}.{service.__name__}"] = Registered(service=service, policy=policy)


def refuse(reason):
    """Raise :class:`Refused` with ``reason`` when there is one (a policy's answer)."""
    if reason:
        raise Refused(reason)


def guarded(policy):
    """Register the decorated write service with ``policy`` and ask the policy before every call.

    The service takes the object it acts on first (none for a service that creates from nothing, such
    as registering an organisation: the policy is then asked with None) and the acting user as the
    keyword ``actor``.
    """

    def decorate(service):
        @wraps(service)
        def run(*args, actor, **kwargs):
            refuse(policy(actor, args[0] if args else None))
            return service(*args, actor=actor, **kwargs)

        run.policy = policy
        _register(run, policy)
        return run

    return decorate


def system_service(service):
    """Register a write service that only the system runs (a task, a beat job, an import command)."""
    service.policy = None
    _register(service, None)
    return service


def as_permission_denied(exc: Refused):
    """The Django exception that shows the permission-denied page (403) with the refusal's reason."""
    return PermissionDenied(exc.message)
