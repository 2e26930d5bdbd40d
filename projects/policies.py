"""Who may do what with grants (tilsagn), payouts and result reports: the predicates the services in
:mod:`projects.services` are guarded by (see :mod:`omstilling.policies`), and that pages ask before
they show a button.

- the grant holder — the people who act for the organisation the grant was given to — accepts the
  grant, requests payouts (with their attachments) and reports the project's results;
- the grant holder also asks for a later final report deadline;
- the programme's staff (programme leader, case handlers) and site admins approve, reject and mark
  payouts paid, activate, reduce, cancel and complete grants, decide requests for a later deadline
  and close a grant whose deadline has passed;
- the system alone offers a grant (the consequence of the board's approving decision, or of a
  corrected one that replaces it), lets an offer lapse when its acceptance deadline has passed
  (Celery beat, ``lapse_grants``) and reminds the holder of the final report deadline (Celery beat).

Each predicate takes ``(user, obj)``, where ``obj`` is a grant or a payout, and returns None when the
user may act, or the reason.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, OrganisationMembership
from omstilling.models import BoardMembership, StaffMembership

from .models import DeadlineExtension, Grant, Payout


def _grant_lookup(obj, prefix):
    """The lookup, from a row ``prefix`` leads to the application, that finds the grant of ``obj``
    without loading the grant's application first."""
    if isinstance(obj, Grant):
        return {f"{prefix}__grants": obj.pk}
    if isinstance(obj, Payout | DeadlineExtension):
        return {f"{prefix}__grants": obj.grant_id}
    raise TypeError(f"not a grant, a payout or a deadline extension: {obj!r}")


def is_grant_holder(user, obj):
    """Whether ``user`` acts for the organisation that holds the grant of ``obj``."""
    if user is None or not user.is_authenticated:
        return False
    return OrganisationMembership.objects.filter(
        user=user, **_grant_lookup(obj, "organisation__applications")
    ).exists()


def is_grant_staff(user, obj):
    """Whether ``user`` is active staff of the programme of the grant of ``obj``, or a site admin."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return StaffMembership.objects.filter(
        user=user, is_active=True, **_grant_lookup(obj, "programme__applications")
    ).exists()


def can_act_for_grant(user, obj):
    """The grant holder accepts the grant, requests payouts and reports results."""
    if not is_grant_holder(user, obj):
        return _("Du har ikke tilgang til å handle for denne organisasjonen.")
    return None


def can_manage_grant(user, obj):
    """The programme's staff decide payouts and change the grant (reduce, cancel, complete)."""
    if not is_grant_staff(user, obj):
        return _("Bare programmets administrasjon kan behandle tilsagn og utbetalinger.")
    return None


def offer_replace_refusal(grant):
    """Why the offer ``grant`` (None: the decision made none) cannot be replaced by a new decision:
    only an offer the applicant has not accepted can be. Asked by the board before it shows or
    takes the step, and again with the grant row locked when the replacement is carried out."""
    if grant is not None and grant.state != Grant.State.OFFERED:
        return _(
            "Tilsagnet har status «%(state)s». Bare et tilsagn som ennå ikke er akseptert, "
            "kan erstattes av et nytt vedtak."
        ) % {"state": grant.get_state_display()}
    return None


# A person's own data (projects.services.privacy) ---------------------------------------------------


def can_order_personal_data(user, _obj=None):
    """Anyone signed in sees what the portal holds about her."""
    if user is None or not user.is_authenticated:
        return _("Logg inn for å se hva som er lagret om deg.")
    return None


def account_close_refusal(user):
    """Why ``user`` may not close her own account here, or None.

    Submitted applications are case records the programme must archive, and a programme role is
    ended by the programme, so only a person with neither closes her account herself."""
    if user is None or not user.is_authenticated:
        return _("Logg inn for å slette kontoen din.")
    if user.is_superuser or user.is_staff:
        return _("En administratorkonto slettes ikke her. Be en annen administrator deaktivere den.")
    today = timezone.localdate()
    if (
        StaffMembership.objects.filter(user=user, is_active=True).exists()
        or BoardMembership.objects.filter(user=user, is_active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .exists()
    ):
        return _(
            "Du har en rolle i et omstillingsprogram. Be programmet avslutte rollen før du sletter kontoen."
        )
    if Application.objects.filter(created_by=user).exclude(state=Application.State.DRAFT).exists():
        return _(
            "Du har sendt inn søknader. De er saksdokumenter som programmet må arkivere, så kontoen kan ikke "
            "slettes. Kontakt programmet om du vil ha opplysninger rettet eller begrenset."
        )
    return None


def can_close_account(user, _obj=None):
    """A person who never submitted an application and holds no programme role closes her account."""
    return account_close_refusal(user)
