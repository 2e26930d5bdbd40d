"""``seed_programmes`` loads both reference programmes as the source documents describe them."""

from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db.models import Sum

from applications.models import AssessmentCriterion
from omstilling.models import (
    BoardMembership,
    BudgetAllocation,
    Call,
    FocusArea,
    Funding,
    FundingSource,
    Goal,
    Indicator,
    IndicatorValue,
    Municipality,
    PlanPeriod,
    Programme,
    SubGoal,
    User,
)

pytestmark = pytest.mark.django_db

SEEDED_MODELS = [
    Municipality,
    Programme,
    PlanPeriod,
    SubGoal,
    FocusArea,
    Goal,
    Indicator,
    IndicatorValue,
    FundingSource,
    Funding,
    BudgetAllocation,
    Call,
    AssessmentCriterion,
]
AUTO_TIMESTAMPS = {"created_at", "updated_at"}
OSLO = ZoneInfo("Europe/Oslo")


def seed_programmes():
    out = StringIO()
    call_command("seed_programmes", stdout=out)
    return out.getvalue()


def snapshot():
    """Every seeded row as serialised by Django, keyed by (model, pk), without auto timestamps."""
    rows = {}
    for model in SEEDED_MODELS:
        for item in serializers.serialize("python", model.objects.order_by("pk")):
            rows[(item["model"], item["pk"])] = {
                name: sorted(value) if isinstance(value, list) else value
                for name, value in item["fields"].items()
                if name not in AUTO_TIMESTAMPS
            }
    return rows


@pytest.fixture
def seeded():
    seed_programmes()


def vestre_toten_period(start_year):
    return PlanPeriod.objects.get(programme__slug="vestre-toten", start_year=start_year)


def test_running_the_seed_twice_changes_nothing():
    first_output = seed_programmes()
    before = snapshot()
    stamps = dict(Programme.objects.values_list("slug", "updated_at"))

    second_output = seed_programmes()

    assert " 0 rader opprettet" not in first_output
    assert ": 0 rader opprettet, 0 endret," in second_output
    assert snapshot() == before
    assert dict(Programme.objects.values_list("slug", "updated_at")) == stamps
    assert len(before) > 200


def test_running_the_seed_again_restores_a_fact_that_drifted(seeded):
    Programme.objects.filter(slug="vestre-toten").update(name="Noe annet", status_end_year=2030)
    industry_2011 = {"indicator__code": "employment", "breakdown": "10-33 Industri", "year": 2011}
    IndicatorValue.objects.filter(**industry_2011).delete()

    output = seed_programmes()

    programme = Programme.objects.get(slug="vestre-toten")
    assert (programme.name, programme.status_end_year) == ("Omstillingsprogrammet i Vestre Toten", 2016)
    assert IndicatorValue.objects.get(**industry_2011).value == Decimal("2410")
    assert ": 1 rader opprettet, 1 endret," in output


def test_vestre_toten_programme_is_seeded_with_its_owner_status_and_texts(seeded):
    programme = Programme.objects.get(slug="vestre-toten")

    assert programme.name == "Omstillingsprogrammet i Vestre Toten"
    assert programme.short_name == "Vestre Toten"
    assert [(m.number, m.name) for m in programme.municipalities.all()] == [("3443", "Vestre Toten")]
    assert programme.owner == "Formannskapet i Vestre Toten kommune"
    assert (programme.status_start_year, programme.status_end_year) == (2010, 2016)
    assert programme.background.startswith("Vestre Toten er en typisk industrikommune med sterk")
    assert "Ca. 550 arbeidsplasser ble på kort tid avviklet" in programme.background
    assert programme.background.endswith("Fra da av er det tilsatt en egen leder for programmet.")
    assert programme.organisation_text.startswith(
        "Omstillingsprogrammet er organisert som et prosjekt i kommunen med formannskapet som "
        "prosjekteier (PE)"
    )
    assert "ordføreren som styreleder" in programme.organisation_text


def test_vestre_toten_first_period_has_the_four_areas_and_a_catch_all(seeded):
    period = vestre_toten_period(2010)

    assert period.end_year == 2012
    assert period.main_goal == "å styrke og utvikle arbeidsplasser i Vestre Toten Kommune"
    areas = list(period.focus_areas.order_by("number").values_list("number", "name", "is_catch_all"))
    assert areas == [
        (1, "Nyskaping i næringslivet", False),
        (2, "Velferdsinnovasjon", False),
        (3, "Sentrum", False),
        (4, "Fritid", False),
        (5, "Andre", True),
    ]


def test_vestre_toten_plan_2013_2015_has_vision_goals_and_status_assessment(seeded):
    period = vestre_toten_period(2013)

    assert (period.title, period.end_year) == ("Omstillingsplan 2013–2015", 2015)
    assert period.vision == "Samfunnsutvikling basert på samspill mellom kunnskap, teknologi og familie"
    assert period.main_goal.startswith("Hovedmålet med omstillingsarbeidet er å styrke og utvikle")
    sub_goals = list(period.sub_goals.values_list("text", flat=True))
    assert len(sub_goals) == 6
    assert sub_goals[0] == "Det skal etableres nye arbeidsplasser/nye næringer"
    assert sub_goals[-1].startswith("Aktiv kommunikasjon om omstillingsarbeidet")
    recommendations = period.status_assessment.splitlines()
    assert [line[:2] for line in recommendations] == ["1.", "2.", "3.", "4.", "5."]
    assert recommendations[1] == "2. Kvalitetssikringsmanualen må gjøres kjent og tilgjengelig for andre."
    assert recommendations[4] == "5. Arbeidsplassmålene må konkretiseres ytterligere"
    assert period.communication.startswith("Et generelt godt omdømme og kunnskap om kommunens næringsliv")

    first, second = period.focus_areas.order_by("number")
    assert (first.number, first.name) == (1, "Nyskaping i næringslivet, inkl. velferdsinnovasjon")
    assert first.description.startswith("Direkte støtte til utviklingsprosjekter i enkeltbedrifter")
    assert "velferdsinnovasjon framover defineres inn under nyskaping" in first.description
    assert (second.number, second.name) == (2, "Attraktivitet for næringslivet")
    assert second.description.startswith("Attraktivitet for næringslivet skapes i hovedsak langs 2 linjer.")
    assert "god lokalsamfunnsutvikling og gode bomuligheter" in second.description


def test_vestre_toten_result_goals_2013_2015_carry_their_targets(seeded):
    period = vestre_toten_period(2013)
    area_1, area_2 = period.focus_areas.order_by("number")
    measured = Goal.objects.filter(plan_period=period, kind="result").exclude(metric="text")

    rows = {
        (goal.focus_area, goal.metric, goal.per, goal.target, goal.start_year, goal.end_year)
        for goal in measured
    }

    assert rows == {
        (area_1, "new_or_secured_jobs", "year", Decimal("50"), 2013, 2015),
        (area_1, "new_firms", "period", Decimal("6"), 2013, 2015),
        (area_2, "projects", "year", Decimal("3"), 2013, 2015),
    }


def test_vestre_toten_counts_the_fifty_jobs_a_year_once(seeded):
    jobs = Goal.objects.filter(programme__slug="vestre-toten", metric="new_or_secured_jobs")

    assert jobs.aggregate(total=Sum("target"))["total"] == Decimal("50")
    programme_wide = Goal.objects.get(programme__slug="vestre-toten", topic="arbeidsplasser")
    assert programme_wide.focus_area is None
    assert programme_wide.target is None
    assert "minst 50 nye eller sikrede arbeidsplasser årlig" in programme_wide.text


def test_vestre_toten_effect_goals_2020_and_communication_goals(seeded):
    period = vestre_toten_period(2013)
    area_1, area_2 = period.focus_areas.order_by("number")
    effect = Goal.objects.filter(plan_period=period, kind="effect")

    assert effect.count() == 4
    assert set(effect.values_list("end_year", flat=True)) == {2020}
    assert effect.filter(focus_area=area_1).count() == 2
    assert effect.get(focus_area=area_2).text.startswith("Vestre Toten skal være en næringsvennlig kommune")
    communication_effect = effect.get(topic="kommunikasjon")
    assert communication_effect.focus_area is None
    assert communication_effect.text.startswith("Kunnskapen om Vestre Toten som et teknologisk kraftsentrum")
    communication_result = Goal.objects.get(plan_period=period, kind="result", topic="kommunikasjon")
    assert communication_result.focus_area is None
    assert communication_result.text.startswith("Etablere en løpende kommunikasjon om utviklingsarbeidet")


def test_vestre_toten_funding_is_three_million_a_year_from_2010_to_2015(seeded):
    fundings = Funding.objects.filter(source__programme__slug="vestre-toten")

    per_year = dict(fundings.values_list("year").annotate(total=Sum("amount")))
    assert per_year == {year: Decimal("3000000") for year in range(2010, 2016)}
    assert fundings.filter(year__range=(2013, 2015)).aggregate(total=Sum("amount"))["total"] == Decimal(
        "9000000"
    )
    sources = {
        source.name: (source.kind, {f.year: f.amount for f in source.fundings.all()})
        for source in FundingSource.objects.filter(programme__slug="vestre-toten")
    }
    assert sources["Tilskudd OFK"][0] == "county"
    assert sources["Tilskudd OFK"][1][2014] == Decimal("2500000")
    assert sources["Egenandel Vestre Toten"][0] == "municipality"
    assert sources["Egenandel Vestre Toten"][1][2011] == Decimal("500000")


def test_vestre_toten_allocation_2013_2015_splits_nine_million(seeded):
    period = vestre_toten_period(2013)
    area_1, area_2 = period.focus_areas.order_by("number")

    rows = list(period.allocations.values_list("label", "focus_area", "amount"))

    assert rows == [
        ("Nyskaping i næringslivet", area_1.pk, Decimal("4400000")),
        ("Attraktivitet for næringslivet", area_2.pk, Decimal("1900000")),
        ("Programadministrasjon inkl. kommunikasjon", None, Decimal("2700000")),
    ]
    assert sum(amount for _label, _area, amount in rows) == Decimal("9000000")


def test_population_target_grows_half_a_percent_a_year_as_in_the_plan(seeded):
    population = Indicator.objects.get(programme__slug="vestre-toten", code="population")

    assert population.name == "Befolkning"
    assert [(year, int(value)) for year, value in population.trajectory()] == [
        (2012, 12928),
        (2013, 12993),
        (2014, 13058),
        (2015, 13123),
        (2016, 13189),
        (2017, 13255),
    ]
    actual = dict(population.values.filter(breakdown="").values_list("year", "value"))
    assert actual == {2012: Decimal("12928"), 2013: Decimal("13109")}


def test_employment_target_grows_one_percent_a_year_as_in_the_plan(seeded):
    employment = Indicator.objects.get(programme__slug="vestre-toten", code="employment")

    assert employment.name == "Sysselsatte med arbeidssted i kommunen"
    assert [(year, int(value)) for year, value in employment.trajectory()] == [
        (2011, 6232),
        (2012, 6294),
        (2013, 6357),
        (2014, 6421),
        (2015, 6485),
        (2016, 6550),
    ]
    totals = dict(employment.values.filter(breakdown="").values_list("year", "value"))
    assert totals == {2008: 6643, 2009: 6331, 2010: 6206, 2011: 6232}


def test_employment_by_industry_matches_the_plans_table(seeded):
    def cell(code, breakdown, year):
        return IndicatorValue.objects.get(
            indicator__programme__slug="vestre-toten", indicator__code=code, breakdown=breakdown, year=year
        ).value

    assert cell("employment", "10-33 Industri", 2011) == Decimal("2410")
    assert cell("employment_residence", "86-88 Helse- og sosialtjenester", 2008) == Decimal("1471")
    assert cell("employment_residence", "00 Uoppgitt", 2010) == Decimal("32")
    assert cell("employment", "84 Off.adm., forsvar, sosialforsikring", 2009) == Decimal("208")
    residence_totals = {year: cell("employment_residence", "", year) for year in (2008, 2009, 2010, 2011)}
    assert residence_totals == {2008: 6467, 2009: 6303, 2010: 6233, 2011: 6333}


def test_employment_rows_keep_the_plans_order_with_the_total_last(seeded):
    for code in ("employment", "employment_residence"):
        labels = list(
            IndicatorValue.objects.filter(indicator__code=code, year=2011)
            .order_by("order")
            .values_list("breakdown", flat=True)
        )
        assert len(labels) == 18
        assert labels[0] == "01-03 Jordbruk, skogbruk og fiske"
        assert labels[2] == "10-33 Industri"
        assert labels[16] == "00 Uoppgitt"
        assert labels[17] == ""


def test_industry_rows_add_up_to_the_total_for_every_year_and_basis(seeded):
    for code in ("employment", "employment_residence"):
        values = IndicatorValue.objects.filter(
            indicator__programme__slug="vestre-toten", indicator__code=code
        )
        for year in (2008, 2009, 2010, 2011):
            industries = values.filter(year=year).exclude(breakdown="")
            total = values.get(year=year, breakdown="").value
            assert industries.count() == 17
            assert industries.aggregate(total=Sum("value"))["total"] == total


def test_elverumregionen_is_seeded_with_its_region_operator_and_funders(seeded):
    programme = Programme.objects.get(slug="elverumregionen")

    assert programme.name == "Omstillingsprogrammet for Elverumregionen"
    assert programme.short_name == "Elverumregionen"
    assert programme.operator == "Elverumregionens Næringsutvikling (ERNU)"
    assert set(programme.municipalities.values_list("number", "name")) == {
        ("3420", "Elverum"),
        ("3422", "Åmot"),
        ("3419", "Våler"),
    }
    assert (programme.status_start_year, programme.status_end_year) == (2014, 2018)
    assert programme.background.startswith("Elverumregionen har hatt betydelig befolkningsvekst siden 2000.")
    assert "beslutningen i Takedakonsernet i februar 2013" in programme.background
    assert "Innovasjon Norge har ansvar for kvalitetssikring" in programme.organisation_text
    sources = dict(programme.funding_sources.values_list("name", "kind"))
    assert sources == {
        "Hedmark fylkeskommune": "county",
        "Åmot kommune": "municipality",
        "Elverum kommune": "municipality",
        "Våler kommune": "municipality",
    }
    assert not Funding.objects.filter(source__programme=programme).exists()


def test_elverumregionen_job_goals_and_2018_focus_areas(seeded):
    programme = Programme.objects.get(slug="elverumregionen")
    period = programme.plan_periods.get()

    assert (period.start_year, period.end_year) == (2015, 2018)
    assert list(period.focus_areas.order_by("number").values_list("number", "name")) == [
        (1, "Reiseliv og opplevelsesnæringer"),
        (2, "Eksisterende næringsliv med vekstpotensial"),
        (3, "Bioøkonomi"),
    ]
    job_goals = programme.goals.filter(kind="result", metric="new_jobs").order_by("start_year")
    assert [
        (goal.plan_period, goal.per, goal.target, goal.start_year, goal.end_year) for goal in job_goals
    ] == [
        (period, "period", Decimal("150"), 2015, 2018),
        (None, "period", Decimal("50"), 2019, 2023),
    ]


def test_elverumregionen_call_2018_closes_15_may_at_23_59_oslo_time(seeded):
    call = Call.objects.get(programme__slug="elverumregionen")

    assert (call.title, call.year, call.budget) == ("Utlysning 2018", 2018, Decimal("1900000"))
    assert call.opens_at.astimezone(OSLO).isoformat() == "2018-01-01T00:00:00+01:00"
    assert call.deadline.astimezone(OSLO).isoformat() == "2018-05-15T23:59:00+02:00"
    assert [category.value for category in call.admitted_categories] == [
        "forstudie",
        "forprosjekt",
        "hovedprosjekt",
    ]
    assert set(call.focus_areas.values_list("name", flat=True)) == {
        "Reiseliv og opplevelsesnæringer",
        "Eksisterende næringsliv med vekstpotensial",
        "Bioøkonomi",
    }


def test_both_programmes_get_the_default_assessment_criteria(seeded):
    for slug in ("vestre-toten", "elverumregionen"):
        criteria = AssessmentCriterion.objects.filter(programme__slug=slug).order_by("order")
        assert list(criteria.values_list("name", flat=True)) == [
            "Relevans for omstillingsplanen",
            "Arbeidsplasspotensial",
            "Gjennomførbarhet",
            "Addisjonalitet",
        ]


def test_seed_invents_no_people(seeded):
    assert not User.objects.exists()
    assert not BoardMembership.objects.exists()
