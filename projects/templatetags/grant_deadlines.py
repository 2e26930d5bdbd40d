"""Template filters for the final report deadline on the grant pages."""

from django import template

from projects import selectors

register = template.Library()


@register.filter
def deadline_overdue(grant):
    """The grant's final report deadline has passed while it is still open for payouts."""
    return selectors.deadline_overdue(grant)


@register.filter
def days_to_deadline(grant):
    """Days left to the final report deadline of a grant open for payouts (None otherwise)."""
    return selectors.days_to_deadline(grant) if selectors.money_moves(grant) else None
