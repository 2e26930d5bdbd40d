"""Every write service is registered with its policy, or as one only the system runs.

The registry (``omstilling.policies.SERVICES``) is filled as the service modules are imported; a
public function in a services module that is not in it was written without saying who may call it.
"""

import importlib
import inspect
import pkgutil

import pytest

from omstilling.policies import SERVICES

APPS = ("omstilling", "applications", "projects", "reports")


def service_modules():
    """Every module named ``services`` or inside a ``services`` package, and the board's
    ``decisions`` (its second services module), in the apps."""
    names = []
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            writes = ".services" in module.name or module.name.endswith(".board.decisions")
            if writes and ".migrations" not in module.name:
                names.append(module.name)
    return sorted(names)


def public_functions(module_name):
    module = importlib.import_module(module_name)
    return [
        f"{module_name}.{name}"
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module_name
    ]


def test_the_service_modules_are_found():
    assert {
        "applications.services",
        "applications.board.services",
        "applications.board.decisions",
        "projects.services",
        "reports.services",
        "omstilling.services",
    } <= set(service_modules())


@pytest.mark.parametrize("module_name", service_modules())
def test_every_public_function_of_a_services_module_is_registered(module_name):
    unregistered = [name for name in public_functions(module_name) if name not in SERVICES]
    assert not unregistered, (
        "Register these with @guarded(policy) or @system_service (omstilling.policies), or move reads "
        f"to the app's selectors: {unregistered}"
    )


@pytest.mark.parametrize(
    ("service", "policy"),
    [
        ("applications.services.application_create", "can_act_for_organisation"),
        ("applications.services.application_submit_from_portal", "can_act_for_organisation"),
        ("applications.services.organisation_join_decide", "can_decide_join_request"),
        ("applications.services.receipts.receipt_resend", "can_resend_receipt"),
        ("applications.services.receipts.receipts_resend_unsent", None),
        ("projects.services.grant_accept", "can_act_for_grant"),
        ("projects.services.payout_approve", "can_manage_grant"),
        ("projects.services.grant_offer", None),
        ("projects.services.grants_lapse_overdue", None),
        ("reports.services.report_job_request", "can_order_report"),
        ("reports.services.report_job_finish", None),
        ("omstilling.services.programmes_seed", None),
    ],
)
def test_a_service_is_registered_with_the_policy_of_its_role(service, policy):
    registered = SERVICES[service].policy
    assert (registered.__name__ if registered else None) == policy
