"""The money side of the board's decisions, which lives in ``projects``, a layer above the board.

The board decides; the grant (tilsagn) that an approving decision awards is the business of
``projects``. Imports point one way (projects may import applications, never the reverse), so the
dependency is inverted openly here: ``projects`` registers its :class:`GrantSide` when its app is ready
(``projects.apps.ProjectsConfig.ready``), and the board's services call it inside their own
transaction, so a decision and its offer are committed together or not at all.
"""

from decimal import Decimal
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class GrantSide(Protocol):
    def offer(self, decision, *, actor) -> None:
        """Offer the grant an approving decision awards."""

    def replace(self, old_decision, new_decision, *, actor, reason: str) -> None:
        """Cancel the offer of ``old_decision`` (if any) and offer ``new_decision``'s instead."""

    def reopen(self, decision, *, actor, reason: str) -> None:
        """Give the still open offer of ``decision`` a full acceptance period again (after an appeal)."""

    def replace_refusal(self, decision) -> str | None:
        """Why the offer of ``decision`` cannot be replaced now (accepted, paid …), or None."""

    def warnings(self, application, amount: Decimal, history=None) -> list[str]:
        """What the board should know before granting ``amount`` (budgets, de minimis)."""

    def history(self, application):
        """The applicant's earlier grants and de minimis aid, for the case file."""


_side: GrantSide | None = None


def register(side: GrantSide) -> None:
    global _side
    _side = side


def grant_side() -> GrantSide:
    if _side is None:
        raise ImproperlyConfigured("No grant side is registered: is 'projects' in INSTALLED_APPS?")
    return _side
