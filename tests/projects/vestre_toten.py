"""The Vestre Toten programme as the seed describes it, built with factories.

Stands in for ``seed_programmes`` in tests that only need the programme, its two plan periods and
their focus areas.
"""

from pathlib import Path

from tests.factories import FocusAreaFactory, PlanPeriodFactory, ProgrammeFactory

SHIPPED_CSV = Path(__file__).resolve().parents[2] / "data" / "vestre_toten_2011_2012.csv"

# Numbered as the 2010–2012 plan defines them (1 Nyskaping, 2 Velferdsinnovasjon, 3 Sentrum, 4 Fritid);
# «Andre» is the catch-all column of the grant tables.
FOCUS_AREAS_2010_2012 = ["Nyskaping i næringslivet", "Velferdsinnovasjon", "Sentrum", "Fritid", "Andre"]
FOCUS_AREAS_2013_2015 = [
    "Nyskaping i næringslivet, inkl. velferdsinnovasjon",
    "Attraktivitet for næringslivet",
]


def make_vestre_toten():
    programme = ProgrammeFactory(
        slug="vestre-toten",
        name="Omstillingsprogrammet i Vestre Toten",
        short_name="Vestre Toten",
        status_start_year=2010,
        status_end_year=2015,
    )
    for start, end, names in ((2010, 2012, FOCUS_AREAS_2010_2012), (2013, 2015, FOCUS_AREAS_2013_2015)):
        period = PlanPeriodFactory(programme=programme, start_year=start, end_year=end)
        for number, name in enumerate(names, start=1):
            FocusAreaFactory(plan_period=period, number=number, name=name, is_catch_all=name == "Andre")
    return programme
