import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.models import Application, Decision, Organisation
from omstilling.models import AuditEntry
from projects.models import Grant
from tests.factories import GrantFactory, OrganisationFactory, valid_orgnr
from tests.projects.vestre_toten import SHIPPED_CSV, make_vestre_toten

pytestmark = pytest.mark.django_db

HEADER = "year,category,focus_area,title,organisation,orgnr,amount,state"
GOOD_ROWS = [
    "2011,forstudie,Nyskaping i næringslivet,Forstudie sveiserobot,Reinsvoll Presisjon AS,,440000,active",
    "2011,forprosjekt,Fritid,Stinett rundt Einafjorden,Eina Friluftslag,,150 000,completed",
]


def write_csv(tmp_path, lines, encoding="utf-8"):
    path = tmp_path / "tilsagn.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def import_grants(path, programme="vestre-toten"):
    out = StringIO()
    call_command("import_grants", str(path), "--programme", programme, stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Grant, Application, Decision, Organisation, AuditEntry)
    }


@pytest.fixture
def vestre_toten():
    return make_vestre_toten()


def test_shipped_csv_creates_a_historical_grant_chain_per_row(vestre_toten):
    output = import_grants(SHIPPED_CSV)

    assert "Importerte 28 tilsagn, 0 fantes fra før" in output
    assert Grant.objects.filter(application__programme=vestre_toten).count() == 28
    assert sorted(Grant.objects.filter(year=2011).values_list("reference", flat=True)) == [
        f"VT-2011-{n:03d}" for n in range(1, 12)
    ]
    assert Grant.objects.filter(year=2012).count() == 17
    assert not Application.objects.exclude(is_historical=True, state="approved", call=None).exists()
    assert not Decision.objects.exclude(is_historical=True, outcome="approved").exists()
    assert AuditEntry.objects.filter(action="grant:imported", programme=vestre_toten).count() == 28
    # Organisations named on several rows are created once.
    assert Organisation.objects.filter(name="Reinsvoll Presisjon AS").count() == 1
    assert Application.objects.filter(organisation__name="Reinsvoll Presisjon AS").count() == 3


def test_imported_row_maps_to_application_decision_grant_and_audit_entry(vestre_toten, tmp_path):
    registered = OrganisationFactory(orgnr=valid_orgnr(7), name="Registrert navn AS")
    spaced = f"{registered.orgnr[:3]} {registered.orgnr[3:6]} {registered.orgnr[6:]}"
    path = write_csv(
        tmp_path,
        [
            HEADER,
            f"2012,hovedprosjekt,Velferdsinnovasjon,LEAN i kommunen,Annet AS,{spaced},240 000,cancelled",
        ],
        # Spreadsheets save "CSV UTF-8" with a byte order mark.
        encoding="utf-8-sig",
    )

    import_grants(path)

    grant = Grant.objects.get()
    assert grant.reference == "VT-2012-001"
    assert grant.year == 2012
    assert grant.amount == Decimal("240000")
    assert grant.state == Grant.State.CANCELLED
    assert grant.released_amount == Decimal("240000")
    application = grant.application
    assert application.organisation == registered
    assert application.category == "hovedprosjekt"
    assert application.focus_area.name == "Velferdsinnovasjon"
    assert application.focus_area.plan_period.start_year == 2010
    assert application.title == "LEAN i kommunen"
    assert len(application.import_key) == 64
    decision = grant.decision
    assert decision.application == application
    assert decision.amount == Decimal("240000")
    assert decision.decided_at.astimezone(ZoneInfo("Europe/Oslo")).date() == dt.date(2012, 12, 31)
    entry = AuditEntry.objects.get(action="grant:imported")
    assert entry.object_id == str(grant.pk)
    assert entry.to_state == "cancelled"
    assert entry.data["line"] == 2


def test_organisation_without_orgnr_is_found_by_exact_name(vestre_toten, tmp_path):
    existing = OrganisationFactory(orgnr="", name="Eina Friluftslag")
    import_grants(write_csv(tmp_path, [HEADER, *GOOD_ROWS]))

    assert (
        Grant.objects.get(application__title="Stinett rundt Einafjorden").application.organisation == existing
    )
    assert Organisation.objects.count() == 2


def test_importing_the_same_file_twice_creates_nothing_new(vestre_toten):
    import_grants(SHIPPED_CSV)
    before = counts()

    output = import_grants(SHIPPED_CSV)

    assert "Importerte 0 tilsagn, 28 fantes fra før" in output
    assert counts() == before


def test_identical_rows_in_one_file_are_two_grants(vestre_toten, tmp_path):
    path = write_csv(tmp_path, [HEADER, GOOD_ROWS[0], GOOD_ROWS[0]])

    assert "Importerte 2 tilsagn, 0 fantes fra før" in import_grants(path)
    assert "Importerte 0 tilsagn, 2 fantes fra før" in import_grants(path)
    assert Grant.objects.count() == 2


def test_reimport_after_a_state_change_in_the_file_does_not_duplicate_the_grant(vestre_toten, tmp_path):
    import_grants(write_csv(tmp_path, [HEADER, GOOD_ROWS[0]]))
    completed = GOOD_ROWS[0].replace(",active", ",completed")

    output = import_grants(write_csv(tmp_path, [HEADER, completed]))

    assert "Importerte 0 tilsagn, 1 fantes fra før" in output
    assert Grant.objects.count() == 1


def test_import_continues_the_numbering_of_existing_grants(vestre_toten, tmp_path):
    GrantFactory(reference="VT-2011-007", year=2011)

    import_grants(write_csv(tmp_path, [HEADER, *GOOD_ROWS]))

    assert set(
        Grant.objects.filter(application__programme=vestre_toten).values_list("reference", flat=True)
    ) == {
        "VT-2011-008",
        "VT-2011-009",
    }


BAD_ORGNR = valid_orgnr(3)[:8] + str((int(valid_orgnr(3)[8]) + 1) % 10)
ROW = "2011,forstudie,Nyskaping i næringslivet,Nytt prosjekt,Ny Bedrift AS,{orgnr},{amount},{state}"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [HEADER, *GOOD_ROWS, "2011,forstudi,Fritid,Prosjekt,Org AS,,1000,active"],
            "Linje 4: ukjent kategori «forstudi»",
            id="bad-category",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, "2011,forstudie,Turisme,Prosjekt,Org AS,,1000,active"],
            "Linje 4: ukjent innsatsområde «Turisme» for 2011",
            id="unknown-focus-area",
        ),
        pytest.param(
            [
                HEADER,
                *GOOD_ROWS,
                "2011,forstudie,Attraktivitet for næringslivet,Prosjekt,Org AS,,1000,active",
            ],
            "Linje 4: innsatsområdet «Attraktivitet for næringslivet» gjelder for 2013–2015, ikke for 2011",
            id="focus-area-of-another-period",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, "2009,forstudie,Fritid,Prosjekt,Org AS,,1000,active"],
            "Linje 4: programmet har ingen planperiode som dekker 2009",
            id="year-outside-plan-periods",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr=BAD_ORGNR, amount=1000, state="active")],
            f"Linje 4: ugyldig organisasjonsnummer «{BAD_ORGNR}» (kontrollsifferet stemmer ikke)",
            id="orgnr-mod-11-failure",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr="12345", amount=1000, state="active")],
            "Linje 4: ugyldig organisasjonsnummer «12345» (må være 9 siffer)",
            id="orgnr-too-short",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr="", amount="-5000", state="active")],
            "Linje 4: ugyldig beløp «-5000»",
            id="negative-amount",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr="", amount="240000.50", state="active")],
            "Linje 4: ugyldig beløp «240000.50»",
            id="decimal-amount",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr="", amount='"240 000,50"', state="active")],
            "Linje 4: ugyldig beløp «240 000,50»",
            id="decimal-comma-amount",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr="", amount="mye", state="active")],
            "Linje 4: ugyldig beløp «mye»",
            id="text-amount",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, ROW.format(orgnr="", amount=1000, state="paused")],
            "Linje 4: ukjent status «paused»",
            id="bad-state",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, "2011,forstudie,Fritid,Prosjekt,Org AS,,1000"],
            "Linje 4: forventet 8 felt, fant 7",
            id="missing-field",
        ),
        pytest.param(
            [HEADER, *GOOD_ROWS, "2011,forstudie,Fritid,,Org AS,,1000,active"],
            "Linje 4: prosjekttittel mangler",
            id="missing-title",
        ),
        pytest.param(
            # Only the database-bound check catches this, after the good rows were written.
            [HEADER, *GOOD_ROWS, f"2011,forstudie,Fritid,{'x' * 201},Org AS,,1000,active"],
            "Linje 4: Sørg for at denne verdien har 200 eller færre tegn",
            id="title-too-long-caught-while-saving",
        ),
        pytest.param(
            ["year;category;focus_area;title;organisation;orgnr;amount;state", *GOOD_ROWS],
            "Linje 1: feil overskrift",
            id="wrong-header",
        ),
        pytest.param(
            [HEADER.replace(",state", ""), *GOOD_ROWS],
            "Linje 1: feil overskrift",
            id="missing-header-column",
        ),
        pytest.param([""], "Filen er tom.", id="empty-file"),
        pytest.param([HEADER], "Filen har ingen rader etter overskriften.", id="header-only"),
    ],
)
def test_bad_csv_is_rejected_with_the_line_and_nothing_is_imported(vestre_toten, tmp_path, lines, expected):
    GrantFactory()
    before = counts()

    with pytest.raises(CommandError) as error:
        import_grants(write_csv(tmp_path, lines))

    assert expected in str(error.value)
    assert counts() == before


def test_every_bad_line_is_reported_at_once(vestre_toten, tmp_path):
    lines = [
        HEADER,
        "2011,forstudi,Fritid,Prosjekt,Org AS,,1000,active",
        GOOD_ROWS[0],
        ROW.format(orgnr="", amount="-1", state="active"),
    ]

    with pytest.raises(CommandError) as error:
        import_grants(write_csv(tmp_path, lines))

    message = str(error.value)
    assert "Ingenting er importert." in message
    assert "Linje 2: ukjent kategori «forstudi»" in message
    assert "Linje 4: ugyldig beløp «-1»" in message


def test_file_that_is_not_utf8_is_rejected_with_the_line(vestre_toten, tmp_path):
    path = write_csv(
        tmp_path, [HEADER, *GOOD_ROWS, ROW.format(orgnr="", amount=1, state="active")], "latin-1"
    )

    with pytest.raises(CommandError, match=r"ikke UTF-8 \(linje 2\)"):
        import_grants(path)
    assert Grant.objects.count() == 0


def test_missing_file_is_a_clear_error(vestre_toten, tmp_path):
    with pytest.raises(CommandError, match="Finner ikke filen"):
        import_grants(tmp_path / "finnes-ikke.csv")


def test_unknown_programme_is_a_clear_error(vestre_toten):
    with pytest.raises(CommandError, match="Ukjent program «ukjent»"):
        import_grants(SHIPPED_CSV, programme="ukjent")
    assert Grant.objects.count() == 0
