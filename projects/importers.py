"""Import of historical grants (tilsagn) from a CSV file.

Programmes that ran before the portal existed have years of grants decided on paper. The annual
report's grant tables need them, so :func:`grants_import` turns each CSV row into the chain a live
grant has (organisation → application → decision → grant) plus an audit entry.

The rows are created directly, with ``full_clean()``, and skip the live workflow (submission,
assessment, board vote, acceptance): those steps happened outside the portal and cannot be replayed.
Every created application and decision is marked ``is_historical`` so nothing mistakes them for
cases the board decided in the portal.
"""

import csv
import hashlib
import io
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.no import orgnr as stdnum_orgnr

from applications.models import Application, Decision, Organisation
from omstilling.audit import audit_log
from omstilling.exceptions import ServiceError
from omstilling.models import Category, Programme
from projects.models import Grant

HEADER = ["year", "category", "focus_area", "title", "organisation", "orgnr", "amount", "state"]

# The CSV's states are the three a historical grant can be in today.
STATE_MAP = {
    "active": Grant.State.ACTIVE,
    "completed": Grant.State.COMPLETED,
    "cancelled": Grant.State.CANCELLED,
}

# Whole kroner, either plain ("240000") or grouped by thousands with spaces ("240 000").
AMOUNT_RE = re.compile(r"^(?:\d+|\d{1,3}(?: \d{3})+)$")

# More than this many messages would bury the first one; the rest are summarised.
MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class ImportResult:
    created: int
    existing: int


@dataclass(frozen=True)
class _Row:
    line: int
    year: int
    category: str
    focus_area: object
    title: str
    organisation: str
    orgnr: str
    amount: Decimal
    state: str

    def identity(self):
        # The state is left out on purpose: it changes over the life of a grant, and re-importing an
        # updated file must recognise the grant it already created rather than add a second one.
        return "\x1f".join(
            [
                str(self.year),
                self.category,
                self.focus_area.name,
                self.title,
                self.organisation,
                self.orgnr,
                str(self.amount),
            ]
        )


def grants_import(file, programme, actor=None):
    """Import the historical grants in ``file`` (a path or an open file) into ``programme``.

    The whole file is one transaction: if any row is wrong, nothing is imported and a
    :class:`ServiceError` names every bad line (the header is line 1). Rows already imported
    (same content, same occurrence number among identical rows) are skipped, so the same file
    can be imported again safely. Returns how many grants were created and how many existed.
    """
    text, source_name = _read_text(file)
    rows = _parse(text, programme)
    keys = _import_keys(rows)
    created = 0
    with transaction.atomic():
        # Serialises imports into one programme so grant numbers are handed out once.
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        existing_keys = set(
            Application.objects.filter(programme=programme, import_key__in=keys).values_list(
                "import_key", flat=True
            )
        )
        numbers = {}
        for row, key in zip(rows, keys, strict=True):
            if key in existing_keys:
                continue
            try:
                _create_grant(row, key, programme, actor, numbers, source_name)
            except ValidationError as exc:
                raise ServiceError(_rejected([_line_error(row.line, "; ".join(_messages(exc)))])) from exc
            created += 1
    return ImportResult(created=created, existing=len(rows) - created)


def _read_text(file):
    if isinstance(file, str | os.PathLike):
        source_name = os.fspath(file)
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except FileNotFoundError as exc:
            raise ServiceError(_("Finner ikke filen «%(file)s».") % {"file": source_name}) from exc
        except OSError as exc:
            raise ServiceError(
                _("Kan ikke lese filen «%(file)s»: %(error)s") % {"file": source_name, "error": exc.strerror}
            ) from exc
    else:
        source_name = getattr(file, "name", "") or ""
        data = file.read()
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), source_name
    try:
        return data.decode("utf-8-sig"), source_name
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ServiceError(
            _("Filen er ikke UTF-8 (linje %(line)d). Lagre den som CSV UTF-8 og prøv igjen.") % {"line": line}
        ) from exc


def _parse(text, programme):
    if not text.strip():
        raise ServiceError(_("Filen er tom."))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader)]
    if header != HEADER:
        raise ServiceError(
            _line_error(
                1,
                _("feil overskrift «%(found)s», forventet «%(expected)s»")
                % {"found": ",".join(header), "expected": ",".join(HEADER)},
            )
        )
    context = _ProgrammeContext(programme)
    rows, errors = [], []
    try:
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            try:
                rows.append(_parse_row(reader.line_num, fields, context))
            except _RowError as exc:
                errors.append(_line_error(reader.line_num, exc.message))
    except csv.Error as exc:
        errors.append(_line_error(reader.line_num, str(exc)))
    if errors:
        raise ServiceError(_rejected(errors))
    if not rows:
        raise ServiceError(_("Filen har ingen rader etter overskriften."))
    return rows


class _RowError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class _ProgrammeContext:
    """The programme's plan periods and focus areas, fetched once for the whole file."""

    def __init__(self, programme):
        self.periods = list(programme.plan_periods.prefetch_related("focus_areas"))

    def period_for(self, year):
        return next((period for period in self.periods if period.covers(year)), None)

    def focus_area(self, name, year):
        period = self.period_for(year)
        if period is None:
            raise _RowError(_("programmet har ingen planperiode som dekker %(year)d") % {"year": year})
        for area in period.focus_areas.all():
            if area.name == name:
                return area
        elsewhere = [
            other for other in self.periods if any(area.name == name for area in other.focus_areas.all())
        ]
        if elsewhere:
            other = elsewhere[0]
            raise _RowError(
                _(
                    "innsatsområdet «%(name)s» gjelder for %(start)d–%(end)d, ikke for %(year)d "
                    "(planperiode %(period_start)d–%(period_end)d)"
                )
                % {
                    "name": name,
                    "start": other.start_year,
                    "end": other.end_year,
                    "year": year,
                    "period_start": period.start_year,
                    "period_end": period.end_year,
                }
            )
        raise _RowError(
            _("ukjent innsatsområde «%(name)s» for %(year)d (gyldige: %(valid)s)")
            % {
                "name": name,
                "year": year,
                "valid": ", ".join(f"«{area.name}»" for area in period.focus_areas.all()),
            }
        )


def _parse_row(line, fields, context):
    if len(fields) != len(HEADER):
        raise _RowError(
            _("forventet %(expected)d felt, fant %(found)d") % {"expected": len(HEADER), "found": len(fields)}
        )
    values = dict(zip(HEADER, (field.strip() for field in fields), strict=True))
    year = _parse_year(values["year"])
    category = values["category"]
    if category not in Category.values:
        raise _RowError(_("ukjent kategori «%(value)s»") % {"value": category})
    focus_area = context.focus_area(values["focus_area"], year)
    if not values["title"]:
        raise _RowError(_("prosjekttittel mangler"))
    if not values["organisation"]:
        raise _RowError(_("organisasjonsnavn mangler"))
    state = values["state"]
    if state not in STATE_MAP:
        raise _RowError(
            _("ukjent status «%(value)s» (gyldige: %(valid)s)")
            % {"value": state, "valid": ", ".join(STATE_MAP)}
        )
    return _Row(
        line=line,
        year=year,
        category=category,
        focus_area=focus_area,
        title=values["title"],
        organisation=values["organisation"],
        orgnr=_parse_orgnr(values["orgnr"]),
        amount=_parse_amount(values["amount"]),
        state=STATE_MAP[state],
    )


def _parse_year(value):
    if not re.fullmatch(r"\d{4}", value):
        raise _RowError(_("ugyldig år «%(value)s»") % {"value": value})
    return int(value)


def _parse_orgnr(value):
    if not value:
        return ""
    try:
        return stdnum_orgnr.validate(value)
    except stdnum_exceptions.InvalidChecksum:
        problem = _("kontrollsifferet stemmer ikke")
    except stdnum_exceptions.ValidationError:
        problem = _("må være 9 siffer")
    raise _RowError(
        _("ugyldig organisasjonsnummer «%(value)s» (%(problem)s)") % {"value": value, "problem": problem}
    )


def _parse_amount(value):
    # Spreadsheets group thousands with a no-break or narrow no-break space as often as a plain one.
    normalised = "".join(" " if unicodedata.category(char) == "Zs" else char for char in value)
    if not AMOUNT_RE.fullmatch(normalised):
        raise _RowError(
            _("ugyldig beløp «%(value)s» (hele kroner, ikke negativt, f.eks. 240000 eller 240 000)")
            % {"value": value}
        )
    return Decimal(normalised.replace(" ", ""))


def _import_keys(rows):
    seen = Counter()
    keys = []
    for row in rows:
        identity = row.identity()
        seen[identity] += 1
        content = f"{identity}\x1e{seen[identity]}".encode()
        keys.append(hashlib.sha256(content).hexdigest())
    return keys


def _reference_prefix(programme):
    return "".join(part[0] for part in programme.slug.split("-") if part).upper()


def _next_reference(programme, year, numbers):
    """The next free grant reference for the programme and year, e.g. ``VT-2011-003``."""
    stem = f"{_reference_prefix(programme)}-{year}-"
    if year not in numbers:
        pattern = re.compile(rf"^{re.escape(stem)}(\d+)$")
        taken = Grant.objects.filter(reference__startswith=stem).values_list("reference", flat=True)
        numbers[year] = max((int(match.group(1)) for match in map(pattern.match, taken) if match), default=0)
    numbers[year] += 1
    return f"{stem}{numbers[year]:03d}"


def _organisation_for(row):
    if row.orgnr:
        organisation = Organisation.objects.filter(orgnr=row.orgnr).first()
    else:
        # Only organisations without an orgnr match by name, so a historical row never attaches its
        # grant to a registered applicant that merely shares the name.
        organisation = Organisation.objects.filter(orgnr="", name=row.organisation).order_by("pk").first()
    if organisation is None:
        organisation = Organisation(orgnr=row.orgnr, name=row.organisation)
        organisation.full_clean()
        organisation.save()
    return organisation


def _create_grant(row, key, programme, actor, numbers, source_name):
    decided_at = datetime(row.year, 12, 31, 12, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    reference = _next_reference(programme, row.year, numbers)
    organisation = _organisation_for(row)

    application = Application(
        reference=f"HIST-{reference}",
        programme=programme,
        call=None,
        organisation=organisation,
        created_by=actor,
        state=Application.State.APPROVED,
        category=row.category,
        focus_area=row.focus_area,
        title=row.title,
        is_historical=True,
        import_key=key,
        decided_at=decided_at,
    )
    application.full_clean()
    application.save()

    decision = Decision(
        application=application,
        outcome=Decision.Outcome.APPROVED,
        amount=row.amount,
        reason=_("Historisk tilsagn importert fra fil."),
        decided_at=decided_at,
        recorded_by=actor,
        is_historical=True,
    )
    decision.full_clean()
    decision.save()

    grant = Grant(
        reference=reference,
        application=application,
        decision=decision,
        year=row.year,
        amount=row.amount,
        # A cancelled grant's money went back to the programme, as it does for a live cancellation.
        released_amount=row.amount if row.state == Grant.State.CANCELLED else Decimal("0"),
        payout_on_acceptance_percent=programme.payout_on_acceptance_percent,
        holdback_percent=programme.holdback_percent,
        state=row.state,
    )
    grant.full_clean()
    grant.save()

    audit_log(
        actor=actor,
        obj=grant,
        action="grant:imported",
        to_state=grant.state,
        reason=_("Historisk tilsagn importert fra fil."),
        data={"line": row.line, "file": os.path.basename(source_name), "import_key": key},
    )
    return grant


def _rejected(errors):
    if len(errors) > MAX_REPORTED_ERRORS:
        hidden = len(errors) - MAX_REPORTED_ERRORS
        errors = errors[:MAX_REPORTED_ERRORS] + [_("… og %(count)d feil til.") % {"count": hidden}]
    return "\n".join([_("Ingenting er importert."), *errors])


def _line_error(line, message):
    return _("Linje %(line)d: %(message)s") % {"line": line, "message": message}


def _messages(error):
    if hasattr(error, "message_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)
