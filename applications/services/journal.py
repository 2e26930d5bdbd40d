"""Writes for the public journal (see :mod:`applications.models_journal`).

``journal_register`` is called by the services that receive or send a document, inside their
transaction, so a submission or a letter and its journal entry are committed together or not at all.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

from omstilling.audit import audit_log, full_clean_or_refuse, locked
from omstilling.models import Programme, User
from omstilling.policies import guarded, system_service

from ..models import Application, JournalEntry, Letter
from ..policies import may_screen_journal_entry

ATTEMPTS = 20


@system_service
def journal_register(
    programme: Programme,
    *,
    direction: str,
    kind: str,
    title: str,
    party: str,
    case_reference: str,
    application: Application | None = None,
    letter: Letter | None = None,
    registered_at: datetime | None = None,
) -> JournalEntry:
    """Give the document the next number of its programme's journal for the year and record it.

    Two registrations at once compute the same next number; the unique constraint makes the second
    wait for the first and fail, and it takes the number after (in a savepoint, so the caller's
    transaction goes on)."""
    registered_at = registered_at or timezone.now()
    year = timezone.localtime(registered_at).year
    for _attempt in range(ATTEMPTS):
        last = JournalEntry.objects.filter(programme=programme, year=year).aggregate(n=Max("sequence"))["n"]
        entry = JournalEntry(
            programme=programme,
            year=year,
            sequence=(last or 0) + 1,
            registered_at=registered_at,
            direction=direction,
            kind=kind,
            title=title[:300],
            party=party[:300],
            case_reference=case_reference,
            application=application,
            letter=letter,
        )
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            continue
        return entry
    raise RuntimeError(f"no free journal number after {ATTEMPTS} attempts")


@system_service
def register_for_application(
    application: Application,
    *,
    direction: str,
    kind: str,
    title,
    registered_at: datetime | None = None,
    letter: Letter | None = None,
) -> JournalEntry:
    """Journal a document of ``application``'s case, to or from its applicant. ``title()`` builds the
    title; it is called in the journal's language (the programme's, not the sender's)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = title()
    return journal_register(
        application.programme,
        direction=direction,
        kind=kind,
        title=text,
        party=application.organisation.name,
        case_reference=application.reference,
        application=application,
        letter=letter,
        registered_at=registered_at,
    )


@system_service
def register_application(application: Application, *, registered_at: datetime) -> JournalEntry:
    """The incoming application."""
    return register_for_application(
        application,
        direction=JournalEntry.Direction.INCOMING,
        kind=JournalEntry.Kind.APPLICATION,
        title=lambda: translation.gettext("Søknad om tilskudd: %(title)s") % {"title": application.title},
        registered_at=registered_at,
    )


@system_service
def register_letter(letter: Letter) -> JournalEntry | None:
    """An outgoing decision letter (tilsagnsbrev, avslagsbrev, corrected letter); minutes are not sent."""
    decision = letter.decision
    if decision is None:
        return None
    application = decision.application
    return register_for_application(
        application,
        direction=JournalEntry.Direction.OUTGOING,
        kind=JournalEntry.Kind.LETTER,
        title=lambda: (
            translation.gettext("%(kind)s: %(title)s")
            % {"kind": letter.get_kind_display(), "title": application.title}
        ),
        registered_at=letter.created_at,
        letter=letter,
    )


@guarded(may_screen_journal_entry)
def journal_entry_screen(
    entry: JournalEntry,
    *,
    actor: User,
    title_screened: bool,
    screening_basis: str = "",
    party_is_private_person: bool,
) -> JournalEntry:
    """Screen (or unscreen) an entry's title, with its legal basis, and a private person's name."""
    with transaction.atomic():
        entry = locked(entry)
        before = {
            "title_screened": entry.title_screened,
            "screening_basis": entry.screening_basis,
            "party_is_private_person": entry.party_is_private_person,
        }
        entry.title_screened = title_screened
        entry.screening_basis = screening_basis if title_screened else ""
        entry.party_is_private_person = party_is_private_person
        entry.screened_by = actor
        full_clean_or_refuse(entry)
        entry.save(
            update_fields=["title_screened", "screening_basis", "party_is_private_person", "screened_by"]
        )
        audit_log(
            actor=actor,
            obj=entry,
            action="journal_screen",
            data={
                "before": before,
                "after": {
                    "title_screened": entry.title_screened,
                    "screening_basis": entry.screening_basis,
                    "party_is_private_person": entry.party_is_private_person,
                },
            },
        )
    return entry
