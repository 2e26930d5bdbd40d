"""Who may do what in the applicant portal and in case handling: the predicates the services are
guarded by and the pages ask before they show a button (see :mod:`omstilling.policies`). The
board's own are in :mod:`applications.board.policies`.

- anyone signed in registers an organisation or asks to act for one;
- the people who act for an organisation (its members) start, fill in, submit and withdraw its
  applications and attach documents; its administrators decide who else may act for it. Programme
  staff read their programme's applications but never write in an applicant's application;
- programme staff (and site admins) screen and assess applications, send them to the board (as the
  chair may) and send a refused receipt again.
"""

from django.utils.translation import gettext as _

from omstilling.models import BoardMembership, StaffMembership

from .board.selectors import board_seat
from .models import Application, Attachment, Organisation, OrganisationJoinRequest, OrganisationMembership


def is_programme_staff(user, programme):
    """The programme's active staff (programme leader, case handlers), and site admins."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return StaffMembership.objects.filter(programme=programme, user=user, is_active=True).exists()


def may_run_meeting(user, programme):
    """Programme staff and the chair prepare and run the board's meetings."""
    if is_programme_staff(user, programme):
        return True
    seat = board_seat(user, programme)
    return seat is not None and seat.role == BoardMembership.Role.CHAIR


def can_handle_case(user, application):
    """Programme staff screen and assess applications, except one they act for: acting for the
    applicant disqualifies (forvaltningsloven § 6 første ledd bokstav e), declared or not."""
    if not is_programme_staff(user, application.programme):
        return _("Bare programmets administrasjon kan behandle søknader.")
    if acts_for_organisation(user, application):
        return _(
            "Du handler for søkeren og er inhabil (forvaltningsloven § 6 første ledd bokstav e); "
            "en annen i administrasjonen må behandle søknaden."
        )
    return None


def can_send_to_board(user, application):
    """Programme staff, and the chair who sets the agenda, put an assessed application before the board."""
    if not may_run_meeting(user, application.programme):
        return _("Bare programmets administrasjon eller styreleder kan sende en søknad til styret.")
    return None


# The applicant portal -----------------------------------------------------------------------------


def _organisation_lookup(obj):
    """The lookup from a membership to the organisation of ``obj``, without loading ``obj``'s parents."""
    if isinstance(obj, Organisation):
        return {"organisation": obj.pk}
    if isinstance(obj, Application | OrganisationJoinRequest):
        return {"organisation": obj.organisation_id}
    if isinstance(obj, Attachment):
        return {"organisation__applications": obj.application_id}
    raise TypeError(f"not an organisation or one of its rows: {obj!r}")


def acts_for_organisation(user, obj, *, role=None):
    """Whether ``user`` acts for the organisation of ``obj`` (with ``role``, if given)."""
    if user is None or not user.is_authenticated:
        return False
    memberships = OrganisationMembership.objects.filter(user=user, **_organisation_lookup(obj))
    if role is not None:
        memberships = memberships.filter(role=role)
    return memberships.exists()


def can_use_portal(user, _obj=None):
    """Anyone signed in registers an organisation or asks to act for one."""
    if user is None or not user.is_authenticated:
        return _("Du må logge inn først.")
    return None


def can_act_for_organisation(user, obj):
    """The organisation's own people create, fill in, submit and withdraw its applications and attach
    documents to them; ``obj`` is the organisation, an application or an attachment."""
    if not acts_for_organisation(user, obj):
        return _("Du har ikke tilgang til å handle for denne organisasjonen.")
    return None


def can_get_application_copy(user, application):
    """The organisation's own people, and the programme's staff, get the application as it was
    submitted as a PDF (built from the frozen copy)."""
    if acts_for_organisation(user, application) or is_programme_staff(user, application.programme_id):
        return None
    return _("Du har ikke tilgang til denne søknaden.")


def can_decide_join_request(user, join_request):
    """The organisation's administrators decide who else may act for it."""
    if not acts_for_organisation(user, join_request, role=OrganisationMembership.Role.ADMIN):
        return _("Bare organisasjonens administratorer kan godkjenne nye brukere.")
    return None


def can_resend_receipt(user, application):
    """Programme staff send a receipt again once they have seen to the applicant's address."""
    if not is_programme_staff(user, application.programme_id):
        return _("Bare programmets administrasjon kan sende kvitteringen på nytt.")
    return None


def receipt_resend_refusal(application):
    """Why the receipt of ``application`` cannot be sent again by hand, or None if it can.

    Only a receipt the mail server refused for good is sent again this way (a lost one is resent by
    ``receipts_resend_unsent``), and only for a submission that is still owed one once the mark is
    gone (see ``selectors.receipt_owed``)."""
    if application.receipt_undeliverable_at is None:
        return _("Det er ikke registrert at kvitteringen ikke kunne leveres; den sendes ikke på nytt herfra.")
    if (
        application.submitted_at is None
        or application.is_historical
        or application.state in (Application.State.DRAFT, Application.State.WITHDRAWN)
    ):
        return _("Kvitteringen sendes bare for en innsendt søknad. Søknaden har status «%(state)s».") % {
            "state": application.get_state_display()
        }
    return None


def may_screen_journal_entry(user, entry):
    """The programme's staff decide what the public journal withholds (offentleglova § 13)."""
    if is_programme_staff(user, entry.programme_id):
        return None
    return _("Bare programmets ansatte kan skjerme opplysninger i journalen.")


# Written exchanges on a case: messages and requests for more information ---------------------------


def can_message_on_case(user, application):
    """The programme's staff and the people who act for the applicant write to each other about a
    submitted application; the board reads, but does not write."""
    if is_programme_staff(user, application.programme_id) or acts_for_organisation(user, application):
        return None
    return _("Bare programmets administrasjon og søkeren kan skrive meldinger i saken.")


def can_request_supplement(user, application):
    """Whoever may handle the case asks the applicant for more information."""
    return can_handle_case(user, application)


def can_answer_supplement(user, supplement_request):
    """The people who act for the applicant answer a request for more information."""
    if acts_for_organisation(user, supplement_request.application):
        return None
    return _("Bare søkeren kan svare på en anmodning om ettersending.")


# Appeals (klage, forvaltningsloven §§ 28–33) ------------------------------------------------------


def can_lodge_appeal(user, application):
    """The people who act for the applicant appeal the decision on its application."""
    if acts_for_organisation(user, application):
        return None
    return _("Bare søkeren kan klage på vedtaket.")
