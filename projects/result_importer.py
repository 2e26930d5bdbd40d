"""Import of results that predate the portal (``import_results FILE.csv --programme SLUG``).

A programme's first plans reported what the projects achieved as a few figures for a span of years
("mer enn 50 nye/sikrede arbeidsplasser i 2011 og 2012"). They are not result reports of a grant,
so they are kept as :class:`~projects.models.HistoricalResult` rows, one per metric and span, and
the annual report adds them to what the result reports say.

As :func:`projects.importers.grants_import`: the whole file is one transaction, every bad line is
named (the header is line 1) and nothing is imported if any line is wrong. A metric already imported
for the same span is brought up to date rather than added twice, so importing the file again
changes nothing.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from omstilling.audit import audit_log
from omstilling.exceptions import ServiceError
from omstilling.models import Programme

from .importers import _line_error, _messages, _read_text, _rejected, _RowError
from .models import HistoricalResult

RESULTS_HEADER = ["start_year", "end_year", "metric", "bound", "value", "value_high"]


@dataclass(frozen=True)
class ResultsImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _ResultRow:
    line: int
    start_year: int
    end_year: int
    metric: str
    bound: str
    value: Decimal
    value_high: Decimal | None


def results_import(file, programme, actor=None):
    """Import the historical results in ``file`` (a path or an open file) into ``programme``."""
    text, source_name = _read_text(file)
    rows = _parse(text, programme)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        for order, row in enumerate(rows, start=1):
            result = HistoricalResult.objects.filter(
                programme=programme, start_year=row.start_year, end_year=row.end_year, metric=row.metric
            ).first() or HistoricalResult(
                programme=programme, start_year=row.start_year, end_year=row.end_year, metric=row.metric
            )
            adding = result._state.adding
            values = {"bound": row.bound, "value": row.value, "value_high": row.value_high, "order": order}
            if not adding and all(getattr(result, name) == value for name, value in values.items()):
                counts["unchanged"] += 1
                continue
            for name, value in values.items():
                setattr(result, name, value)
            try:
                result.full_clean()
            except ValidationError as exc:
                raise ServiceError(_rejected([_line_error(row.line, "; ".join(_messages(exc)))])) from exc
            result.save()
            audit_log(
                actor=actor,
                obj=result,
                action="historical_result:imported" if adding else "historical_result:updated",
                data={
                    "file": source_name,
                    "line": row.line,
                    "metric": row.metric,
                    "bound": row.bound,
                    "value": str(row.value),
                    "value_high": str(row.value_high) if row.value_high is not None else None,
                },
            )
            counts["created" if adding else "updated"] += 1
    return ResultsImportResult(**counts)


def _parse(text, programme):
    if not text.strip():
        raise ServiceError(_("Filen er tom."))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader)]
    if header != RESULTS_HEADER:
        raise ServiceError(
            _line_error(
                1,
                _("feil overskrift «%(found)s», forventet «%(expected)s»")
                % {"found": ",".join(header), "expected": ",".join(RESULTS_HEADER)},
            )
        )
    rows, errors, seen = [], [], {}
    try:
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            try:
                row = _parse_row(reader.line_num, fields, programme)
            except _RowError as exc:
                errors.append(_line_error(reader.line_num, exc.message))
                continue
            key = (row.start_year, row.end_year, row.metric)
            if key in seen:
                errors.append(
                    _line_error(
                        row.line,
                        _("«%(metric)s» for %(start)d–%(end)d står også på linje %(other)d")
                        % {
                            "metric": row.metric,
                            "start": row.start_year,
                            "end": row.end_year,
                            "other": seen[key],
                        },
                    )
                )
                continue
            seen[key] = row.line
            rows.append(row)
    except csv.Error as exc:
        errors.append(_line_error(reader.line_num, str(exc)))
    if errors:
        raise ServiceError(_rejected(errors))
    if not rows:
        raise ServiceError(_("Filen har ingen rader etter overskriften."))
    return rows


def _year(text, name):
    try:
        return int(text)
    except ValueError:
        raise _RowError(
            _("«%(value)s» er ikke et årstall (%(column)s)") % {"value": text, "column": name}
        ) from None


def _number(text, name):
    try:
        value = Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise _RowError(
            _("«%(value)s» er ikke et tall (%(column)s)") % {"value": text, "column": name}
        ) from None
    if not value.is_finite() or value < 0:
        raise _RowError(_("«%(value)s» må være et tall ≥ 0 (%(column)s)") % {"value": text, "column": name})
    return value


def _parse_row(line, fields, programme):
    if len(fields) != len(RESULTS_HEADER):
        raise _RowError(
            _("forventet %(expected)d felt, fant %(found)d")
            % {"expected": len(RESULTS_HEADER), "found": len(fields)}
        )
    start, end, metric, bound, value, value_high = (field.strip() for field in fields)
    start_year, end_year = _year(start, "start_year"), _year(end, "end_year")
    if end_year < start_year:
        raise _RowError(
            _("end_year %(end)d er før start_year %(start)d") % {"end": end_year, "start": start_year}
        )
    if start_year < programme.status_start_year or end_year > programme.status_end_year:
        raise _RowError(
            _(
                "%(start)d–%(end)d ligger utenfor programmets omstillingsstatus "
                "%(status_start)d–%(status_end)d"
            )
            % {
                "start": start_year,
                "end": end_year,
                "status_start": programme.status_start_year,
                "status_end": programme.status_end_year,
            }
        )
    if metric not in HistoricalResult.Metric.values:
        raise _RowError(
            _("ukjent resultat «%(metric)s» (gyldige: %(valid)s)")
            % {"metric": metric, "valid": ", ".join(HistoricalResult.Metric.values)}
        )
    if bound not in HistoricalResult.Bound.values:
        raise _RowError(
            _("ukjent angivelse «%(bound)s» (gyldige: %(valid)s)")
            % {"bound": bound, "valid": ", ".join(HistoricalResult.Bound.values)}
        )
    low = _number(value, "value")
    high = _number(value_high, "value_high") if value_high else None
    if bound == HistoricalResult.Bound.RANGE and (high is None or high <= low):
        raise _RowError(_("et intervall (range) trenger value_high større enn value"))
    if bound != HistoricalResult.Bound.RANGE and high is not None:
        raise _RowError(_("value_high brukes bare for et intervall (range)"))
    return _ResultRow(line, start_year, end_year, metric, bound, low, high)
