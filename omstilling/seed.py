"""The two reference programmes as data: what ``seed_programmes`` loads.

Every fact comes from the source documents in ``/work/shared/seeds/`` (004_* is Vestre Toten's
"Omstillingsplan 2013–2015", 000_* is ERNU's page on Omstillingsprogrammet for Elverumregionen).
Texts are copied verbatim (the PDF prints them); amounts are whole NOK. The loader is
:func:`applications.services.seed.reference_programmes_seed`: the programmes through
:func:`omstilling.services.programmes_seed`, then their assessment criteria.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

MUNICIPALITIES = {
    "3443": "Vestre Toten",
    "3420": "Elverum",
    "3422": "Åmot",
    "3419": "Våler",
}

# Scored 1–6 by the programme leader for every application; the same four for both programmes.
ASSESSMENT_CRITERIA = [
    (
        "Relevans for omstillingsplanen",
        "Hvor godt prosjektet treffer omstillingsplanens mål og innsatsområder.",
    ),
    (
        "Arbeidsplasspotensial",
        "Sannsynlige nye eller sikrede arbeidsplasser og nye bedrifter som følge av prosjektet.",
    ),
    (
        "Gjennomførbarhet",
        "Om søkeren har kompetanse, kapasitet, finansiering og en realistisk plan for å gjennomføre.",
    ),
    (
        "Addisjonalitet",
        "Om prosjektet blir gjennomført, eller gjennomført raskere eller større, bare med støtte fra "
        "programmet.",
    ),
]


# --- Vestre Toten: texts --------------------------------------------------------------------------

VT_BACKGROUND = (
    "Vestre Toten er en typisk industrikommune med sterk internasjonal orientering. Bakgrunnen for at "
    "kommunen ble tildelt status som omstillingsområde var en sterk nedgang i industrisysselsettingen i "
    "kjølvannet av finanskrisa. Ca. 550 arbeidsplasser ble på kort tid avviklet som følge av "
    "markedssvikt, spesielt for bildelindustrien.\n"
    "\n"
    "Programmet er organisert som et prosjekt i kommunen med formannskapet som prosjekteier og med "
    "rådmannen som prosjektansvarlig. Det er etablert et styre for Omstillingsprogrammet med "
    "representanter for kommunen og næringslivet. I tillegg er det oppnevnt 3 observatører i styret fra "
    "Innovasjon Norge , Oppland Fylkeskommune og Næringsrådet. Den administrative ledelse er ivarettatt "
    "av innleid kompetanse fra Sintef Raufoss Manufacturing fram til 1.9 2012. Fra da av er det tilsatt "
    "en egen leder for programmet."
)

VT_ORGANISATION = (
    "Omstillingsprogrammet er organisert som et prosjekt i kommunen med formannskapet som prosjekteier "
    "(PE) og rådmannen som prosjektansvarlig (PA). Daglig leder for programmet er ansatt i kommunen. Det "
    "er etablert et styre for programmet med ordføreren som styreleder og ellers med representanter for "
    "kommunen og næringslivet. Styret har ansvaret for å utarbeide omstillingsplanen og årlige "
    "handlingsplaner som skal godkjennes av kommunestyret. Styret treffer også beslutninger om alle "
    "prosjekter og tiltak som krever konkrete bevilgninger fra Omstillingsprogrammet.\n"
    "\n"
    "Administrative og faglige ressurser i programarbeidet\n"
    "\n"
    "- Leder for Omstillingsprogrammet (70% stilling)\n"
    "- Innleid kompetanse fra Sintef (200 t årlig fra og med 2013)\n"
    "- Medvirkning fra samarbeidspartnere (Innovasjon Norge, OFK, Næringsrådet, Sintef/NCE)"
)

VT_STATUS_ASSESSMENT = (
    "1. Det må vurderes en spissing av Omstillingsplanen. Er det nødvendig med alle 4 innsatsområdene i "
    "omstillingssammenheng? Kan noe kobles mot «Bolystprogrammet»? Sammenhengen til kommuneplanen bør "
    "spesifiseres.\n"
    "2. Kvalitetssikringsmanualen må gjøres kjent og tilgjengelig for andre.\n"
    "3. Kvantifiserte mål for kompetanse og samhandling bør vurderes.\n"
    "4. De demografiske faktorene må drøftes, kvantifiseres og vurderes. Sammenhengen til kommuneplanen "
    "må tydeliggjøres.\n"
    "5. Arbeidsplassmålene må konkretiseres ytterligere"
)

VT_COMMUNICATION = (
    "Et generelt godt omdømme og kunnskap om kommunens næringsliv er viktig for å trekke til seg både "
    "bedrifter og innbyggere. Omstillingsprogrammet er et positivt virkemiddel som forutsettes å gi "
    "konkrete resultater for enkeltbedrifter og næringslivet samlet. Dette skaper medieoppmerksomhet, og "
    "interesse for kommunen og næringslivet blant beslutningstakere på ulike nivåer. Det er viktig å "
    "utnytte dette i en løpende og målrettet kommunikasjon og omdømmebygging. Dette vil bidra til å "
    "synliggjøre det som skjer i Vestre Toten, og til å styrke grunnlaget for et permanent "
    "utviklingsarbeid i regionen når Omstillingsprogrammet etter hvert fases ut."
)

VT_AREA_1_DESCRIPTION = (
    "Direkte støtte til utviklingsprosjekter i enkeltbedrifter er Omstillingsprogrammets viktigste "
    "virkemiddel for å bidra til nyskaping i næringslivet. Vestre Toten har en bedriftsstruktur som er "
    "preget av sterke, innovative eksportbedrifter som også deltar i NCE og Total-gruppen. Bruk av "
    "omstillingsmidler opp mot disse kan gi særlig god effekt, fordi det understøtter bedriftenes eget "
    "utviklingsarbeid. Fra Omstillingsprogrammets første periode har vi en rekke eksempler på dette. "
    "Tilstedeværelse og samarbeid/kontaktvirksomhet innenfor Raufoss industripark vil være en nøkkel til "
    "å definere gode prosjekter i de tradisjonelle bedriftene, og til å kartlegge mulig knoppskyting "
    "gjennom bedriftsetableringer eller på annen måte. Målet må være å bidra til å gjøre "
    "industrinæringen i kommunen mer differensiert og robust.\n"
    "\n"
    "Samtidig vil det være viktig å skape større bredde i prosjektarbeidet gjennom å henvende seg til "
    "andre bedrifter (industribedrifter og andre) i kommunen og regionen. SMB-utvikling er et slikt "
    "tiltak. Gjennom en forstudie er det valgt ut 11 bedrifter i Gjøvik-regionen deltar videre i et "
    "forprosjekt som skal identifisere og utvikle vekstmuligheter i bedriftene. At programmet henvender "
    "seg til hele regionen i et samarbeid med regionrådet viser at programmet tar konsekvensene av at "
    "Gjøvikregionen er et godt integrert arbeidsmarked. Omstillingsprogrammet bør i tillegg kartlegge "
    "mulige utviklingsprosjekter hos bedrifter som ikke finner plass i SMB-utvikling.\n"
    "\n"
    "Omstillingsprogrammet har fram til nå hatt velferdsinnovasjon som et eget innsatsområde. Vestre "
    "Toten synes å ha gode forutsetninger for å bli en foregangskommune innenfor velferd og omsorg. "
    "Dette på bakgrunn av en svært vellykket lean-introduksjon innenfor kommunens ulike tjenesteområder, "
    "og fordi det er grobunn og interesse for å finne nye løsninger i grenseflaten offentlig/privat. "
    "Dette bør gi grunnlag for etablering og vekst også for private helse, omsorgs- og "
    "velferdsbedrifter. Gjennom at velferdsinnovasjon framover defineres inn under nyskaping i "
    "næringslivet, understrekes denne dimensjonen tydelig fra programmets side."
)

VT_AREA_2_DESCRIPTION = (
    "Attraktivitet for næringslivet skapes i hovedsak langs 2 linjer.\n"
    "\n"
    "1. Ved at rammebetingelser, kompetansemiljø og nettverk er attraktive for bedriftene, og trekker "
    "til seg nødvendig kompetanse for å utvikle næringslivet videre.\n"
    "2. Ved at lokalsamfunnet rundt næringslivet kan tilby bomuligheter, oppvekstvilkår og "
    "opplevelsesmuligheter som trekker til seg arbeidskraft og kompetanse.\n"
    "\n"
    "Vestre Toten har et sterkt kompetansemiljø i industrien og gode nettverk gjennom NCE og "
    "TotAI-gruppen. For tida vurderes mulighetene for å etablere et GCE som videreføring og forsterking "
    "av NCE-samarbeidet. I tillegg vil det være viktig å øke innovasjonskraften ytterligere gjennom "
    "forskning og samarbeid. Et nytt Arena-program for med kjerne i Raufoss-industrien vil kunne være et "
    "slikt bidrag, likeens ytterligere forskningssamarbeid med utgangspunkt i industriklyngen. Slike "
    "tiltak vil i særlig grad bygge opp under en langsiktig bærekraftig plattform for utviklingsarbeid i "
    "regionen. For å muliggjøre dette må Omstillingsprogrammet også etablere et nært samarbeid med andre "
    "aktører, slik som Oppland Fylkeskommune, Innovasjon Norge, Gjøvikregionen, Høgskolen i Gjøvik, "
    "investeringselskapet Komm-Inn etc.\n"
    "\n"
    "Telemarkforskning har analysert bostedsattraktiviteten i Vestre Toten og hva som generelt skaper "
    "bostedsattraktivitet. De viktigste faktorene er arbeidsplassvekst, godt integrert arbeidsmarked i "
    "regionen og boligbygging. Selv om Vestre Toten har den svakeste arbeidsplassutviklingen av "
    "kommunene i regionen de siste årene, har man likevel god bostedsattraktivitet. Samtidig som man "
    "retter tiltakene i Omstillingsprogrammet inn mot å sikre og skape arbeidsplasser, er det derfor "
    "viktig at det også er fokus på god lokalsamfunnsutvikling og gode bomuligheter i kommunen."
)

VT_MAIN_GOAL_2013 = (
    "Hovedmålet med omstillingsarbeidet er å styrke og utvikle arbeidsplasser i Vestre Toten, og å skape "
    "en varig plattform for næringsutvikling i kommunen og regionen."
)

VT_JOBS_GOAL = (
    "For Omstillingsprogrammets direkte virkemidler defineres målet til å bidra til minst 50 nye "
    "eller sikrede arbeidsplasser årlig i kommunen og regionen."
)


# --- Vestre Toten: employment by industry (SSB), Del I of the plan -------------------------------

# The plan's table, rows copied in the printed order (labels as printed, spelling included).
# Columns: with residence in the municipality 2008–2011, then with workplace in it 2008–2011.
# The industry rows add up exactly to «I alt, alle næringer» in all eight columns.
EMPLOYMENT_YEARS = (2008, 2009, 2010, 2011)
EMPLOYMENT_TABLE = """
01-03 Jordbruk, skogbruk og fiske              265   256   241   228     247   290   277   252
05-09 Bergverksdrift og utvinning               24    21    19    21      14     9    12    13
10-33 Industri                                1630  1485  1431  1469    2723  2454  2356  2410
35-39 Elektrisitet, vann og renovasjon          61    58    61    70      40    39    39    39
41-43 Bygge- og anleggsvirksomhet              461   426   418   437     283   234   258   281
45-47 Varehandel, motorvognreparasjoner        779   749   748   740     428   412   394   391
49-53 Transport og lagring                     248   258   254   261     242   197   205   213
55-56 Overmattings- og serveringsvirksomhet    116   119   121   127      94    85    94   101
58-63 Informasjon og kommunikasjon             106   125   128   134      24    33    32    32
64-66 Finansiering og forsikring                69    62    58    66      17    19    18    21
68-75 Teknisk tjenesteyting, eiendomsdrift     168   175   164   160     133   160   143   139
77-82 Forretningsmessig tjenesteyting          249   211   201   200      82    64    54    49
84 Off.adm., forsvar, sosialforsikring         225   232   218   226     215   208   192   187
85 Undervisning                                418   438   430   437     425   436   435   432
86-88 Helse- og sosialtjenester               1471  1473  1516  1537    1509  1485  1483  1465
90-99 Personlig tjenesteyting                  159   195   193   195     149   189   184   178
00 Uoppgitt                                     18    20    32    25      18    17    30    29
I alt, alle næringer                          6467  6303  6233  6333    6643  6331  6206  6232
"""
EMPLOYMENT_TOTAL_LABEL = "I alt, alle næringer"


def employment_rows():
    """[(breakdown, residence values, workplace values)] in the table's order; "" is the total."""
    width = len(EMPLOYMENT_YEARS)
    rows = []
    for line in EMPLOYMENT_TABLE.strip().splitlines():
        tokens = line.split()
        label = " ".join(tokens[: -2 * width])
        numbers = [Decimal(token) for token in tokens[-2 * width :]]
        breakdown = "" if label == EMPLOYMENT_TOTAL_LABEL else label
        rows.append((breakdown, numbers[:width], numbers[width:]))
    return rows


def _employment_values(column):
    return [
        (breakdown, order, year, value)
        for order, (breakdown, *columns) in enumerate(employment_rows(), start=1)
        for year, value in zip(EMPLOYMENT_YEARS, columns[column], strict=True)
    ]


# --- Vestre Toten: the programme -------------------------------------------------------------------

VESTRE_TOTEN = {
    "slug": "vestre-toten",
    "name": "Omstillingsprogrammet i Vestre Toten",
    "short_name": "Vestre Toten",
    "municipalities": ["3443"],
    "owner": "Formannskapet i Vestre Toten kommune",
    # "organisert som et prosjekt i kommunen … Daglig leder for programmet er ansatt i kommunen".
    "operator": "Vestre Toten kommune",
    # Status granted in 2010; the plan says an extension to 2016 has been applied for.
    "status_start_year": 2010,
    "status_end_year": 2016,
    "background": VT_BACKGROUND,
    "organisation_text": VT_ORGANISATION,
    # The programme leader's prose of the annual report, per status year: data/narrative/<dir>/<place>.md.
    "narratives": {2012: "vestre-toten-2012"},
    "plan_periods": [
        {
            "start_year": 2010,
            "end_year": 2012,
            "title": "Omstillingsplan 2010–2012",
            "main_goal": "å styrke og utvikle arbeidsplasser i Vestre Toten Kommune",
            # Numbered as the plan defines them ("Det ble videre definert 4 innsatsområder: 1.
            # Nyskaping i næringslivet. 2. Velferdsinnovasjon 3. Sentrum 4. Fritid"); the report
            # prints them in this order. «Andre» is the tables' column for grants outside the four.
            "focus_areas": [
                {"number": 1, "name": "Nyskaping i næringslivet"},
                {"number": 2, "name": "Velferdsinnovasjon"},
                {"number": 3, "name": "Sentrum"},
                {"number": 4, "name": "Fritid"},
                {"number": 5, "name": "Andre", "is_catch_all": True},
            ],
        },
        {
            "start_year": 2013,
            "end_year": 2015,
            "title": "Omstillingsplan 2013–2015",
            "vision": "Samfunnsutvikling basert på samspill mellom kunnskap, teknologi og familie",
            "main_goal": VT_MAIN_GOAL_2013,
            "status_assessment": VT_STATUS_ASSESSMENT,
            "communication": VT_COMMUNICATION,
            "sub_goals": [
                "Det skal etableres nye arbeidsplasser/nye næringer",
                "Utviklingsarbeidet skal styrkes",
                "Styrket nettverksarbeid/samarbeidsstruktur/nye møteplasser",
                "Kompetanse skal være tilpasset reelle og framtidige behov",
                "Det skal gjennomføres målrettede tiltak i forhold til samfunnsutvikling",
                "Aktiv kommunikasjon om omstillingsarbeidet skal bidra til å styrke Vestre Totens "
                "attraktivitet som næringslivs- og bostedskommune.",
            ],
            "focus_areas": [
                {
                    "number": 1,
                    "name": "Nyskaping i næringslivet, inkl. velferdsinnovasjon",
                    "description": VT_AREA_1_DESCRIPTION,
                },
                {
                    "number": 2,
                    "name": "Attraktivitet for næringslivet",
                    "description": VT_AREA_2_DESCRIPTION,
                },
            ],
            # "focus_area" is the area's number in this period; None is programme-wide.
            "goals": [
                # The programme-wide job goal of "Mål for arbeidsplasser". Its figure is the same
                # 50 a year as area 1's result goal below, so it is stored as text only: a sum of
                # targets by metric counts the 50 once.
                {
                    "kind": "result",
                    "metric": "text",
                    "topic": "arbeidsplasser",
                    "text": VT_JOBS_GOAL,
                },
                {
                    "kind": "result",
                    "metric": "text",
                    "topic": "kompetanse og samhandling",
                    "text": "Bedriftsrettede tiltak for å øke organisasjoners kompetanse knyttet til nye "
                    "produkter, tjenester, markeder, prosesser, teknologi etc.",
                },
                {
                    "kind": "result",
                    "metric": "text",
                    "topic": "kompetanse og samhandling",
                    "text": "Omstillingsprogrammet skal være komplementært i forhold til andre virkemidler "
                    "og arenaer i regionen.",
                },
                {
                    "kind": "result",
                    "focus_area": 1,
                    "metric": "new_or_secured_jobs",
                    "per": "year",
                    "target": Decimal("50"),
                    "text": "Antall nye og sikrede arbeidsplasser: 50/år",
                },
                {
                    "kind": "result",
                    "focus_area": 1,
                    "metric": "new_firms",
                    "per": "period",
                    "target": Decimal("6"),
                    "text": "Antall nye bedrifter i perioden: 6",
                },
                {
                    "kind": "result",
                    "focus_area": 2,
                    "metric": "projects",
                    "per": "year",
                    "target": Decimal("3"),
                    "text": "Gjennomføre minst 3 prosjekter/tiltak årlig som kan bygge opp under et "
                    "langsiktig bærekraftig fundament for næringsutvikling, og/eller bidra til å øke "
                    "bostedsattraktiviteten i kommunen",
                },
                {
                    "kind": "result",
                    "metric": "text",
                    "topic": "kommunikasjon",
                    "text": "Etablere en løpende kommunikasjon om utviklingsarbeidet opp mot næringslivet, "
                    "samarbeidsparter og allmennheten. Dette skal også være relatert til omdømmebygging "
                    "for Vestre Toten som attraktiv bostedskommune.",
                },
                {
                    "kind": "effect",
                    "focus_area": 1,
                    "metric": "text",
                    "end_year": 2020,
                    "text": "Vestre Toten skal ha en mer diversifisert næringsstruktur, med vekstbedrifter "
                    "knyttet til andre bransjer enn automotive.",
                },
                {
                    "kind": "effect",
                    "focus_area": 1,
                    "metric": "text",
                    "end_year": 2020,
                    "text": "Vestre Toten skal fremstå som en nasjonalt ledende kommune i utvikling av nye "
                    "og forbedrede tilbud innen omsorg og helse.",
                },
                {
                    "kind": "effect",
                    "focus_area": 2,
                    "metric": "text",
                    "end_year": 2020,
                    "text": "Vestre Toten skal være en næringsvennlig kommune som driver aktiv "
                    "tilrettelegging for næringslivet i samspill med offentlige og private aktører i "
                    "regionen og på fylkesplan.",
                },
                {
                    "kind": "effect",
                    "metric": "text",
                    "topic": "kommunikasjon",
                    "end_year": 2020,
                    "text": "Kunnskapen om Vestre Toten som et teknologisk kraftsentrum og Innlandets "
                    "desidert viktigste industrikommune skal ha festet seg hos brede befolkningsgrupper "
                    "og myndigheter på alle nivåer. Dette skal bidra til økt nærings- og "
                    "bostedsattraktivitet i kommunen.",
                },
            ],
            # "Forbruk av midler": 70/30 of the project money across the two areas, the rest admin.
            "allocations": [
                {"label": "Nyskaping i næringslivet", "focus_area": 1, "amount": Decimal("4400000")},
                {"label": "Attraktivitet for næringslivet", "focus_area": 2, "amount": Decimal("1900000")},
                {"label": "Programadministrasjon inkl. kommunikasjon", "amount": Decimal("2700000")},
            ],
        },
    ],
    # 2013–2015 from the financing table; 2010–2012 from "3 mill. kr pr. år" with the
    # municipality's 20 % egenandel, i.e. the same 2.5 + 0.5 a year.
    "funding_sources": [
        {
            "name": "Tilskudd OFK",
            "kind": "county",
            "amounts": {year: Decimal("2500000") for year in range(2010, 2016)},
        },
        {
            "name": "Egenandel Vestre Toten",
            "kind": "municipality",
            "amounts": {year: Decimal("500000") for year in range(2010, 2016)},
        },
    ],
    "indicators": [
        {
            "code": "population",
            "name": "Befolkning",
            "unit": "personer",
            "source": "SSB",
            "description": "Folketall 1. januar. Målet i kommuneplanen er 0,5 % vekst per år.",
            "base_year": 2012,
            "base_value": Decimal("12928"),
            "annual_growth_percent": Decimal("0.5"),
            "target_end_year": 2017,
            # 12 928 per 1.1.2012; "befolkningen økte med 181 i 2012" gives 13 109 per 1.1.2013.
            "values": [("", 0, 2012, Decimal("12928")), ("", 0, 2013, Decimal("13109"))],
        },
        {
            "code": "employment",
            "name": "Sysselsatte med arbeidssted i kommunen",
            "unit": "personer",
            "source": "SSB",
            "description": "Målet er å øke netto sysselsetting med 1 % per år.",
            "base_year": 2011,
            "base_value": Decimal("6232"),
            "annual_growth_percent": Decimal("1.0"),
            "target_end_year": 2016,
            "values": _employment_values(1),
        },
        {
            "code": "employment_residence",
            "name": "Sysselsatte med bosted i kommunen",
            "unit": "personer",
            "source": "SSB",
            "values": _employment_values(0),
        },
    ],
}


# --- Elverumregionen: texts ------------------------------------------------------------------------

ELV_BACKGROUND = (
    "Elverumregionen har hatt betydelig befolkningsvekst siden 2000. Det skyldes mest at Elverums "
    "befolkning vokser jevnt med ca. 1 prosent per år. Åmot har omtrent samme antall innbyggere som i "
    "2000, mens Våler har hatt nedgang i folketallet.\n"
    "\n"
    "Telemarkforskning har også analysert nettoflyttingen til Elverumregionen. Fram til 2008 hadde "
    "regionen mye høyere nettoflytting enn en kunne forvente av strukturelle forhold og "
    "arbeidsplassvekst. Det tolker Telemarkforskning som at regionen var attraktiv som bosted i denne "
    "perioden. Etter 2008 har nettoflyttingen vært omtrent som forventet ut fra strukturelle forhold og "
    "arbeidsplassvekst, og Elverumregionen har nå omtrent middels bostedsattraktivitet samlet sett. I de "
    "siste årene har Våler hatt lav bostedsattraktivitet, mens Åmot har hatt høy. Elverum har hatt "
    "middels bostedsattraktivitet etter 2008.\n"
    "\n"
    "Arbeidet med å få omstillingsstatus ble utløst av beslutningen i Takedakonsernet i februar 2013 om "
    "å nedlegge produksjonsvirksomheten i Elverum. Rett etter kom beslutningen fra Sperrekonsernet om å "
    "avvikle støperiproduksjonen i Elverum, dette medførte nedleggelse av ytterligere 40 arbeidsplasser "
    "i 2013. Litt lenger frem på forsommeren 2013 kom beslutningen om å nedlegge virksomheten ved Tofte "
    "Cellulose, noe som berørte norsk skognæring i betydelig grad. Disse forholdene, samt en rekke "
    "generelle trender i disfavør av norsk industriell produksjonsvirksomhet, medvirket til at det "
    "lokalt (Elverum) og regionalt (Hedmark) ble tatt umiddelbare initiativ for å søke å iverksette et "
    "omstillings- og nyskapingsarbeid med både kortsiktig og langsiktig perspektiv."
)

ELV_ORGANISATION = (
    "I 2014 fikk ERNU driftsansvaret for Omstillingsprogrammet for Elverumregionen. Det har ført til "
    "betydelig høy aktivitet hos ERNU.\n"
    "\n"
    "Omstillingsprogrammet får overført midler fra fylkeskommunen samt Åmot, Elverum og Våler kommuner "
    "over en periode på flere år. Pengene skal gå til omstillings- og nyskapingsarbeid, og kommer med "
    "gitte rammer og krav til resultater. Innovasjon Norge har ansvar for kvalitetssikring og oppfølging "
    "av omstillingsområdene."
)


ELV_JOBS_GOAL = (
    "Omstillingsprogrammet skal bidra til at det skapes brutto 150 nye arbeidsplasser i "
    "Elverumregionen i perioden 2015 – 2018 basert på regionens fortrinn og kompetanse."
)

ELVERUMREGIONEN = {
    "slug": "elverumregionen",
    "name": "Omstillingsprogrammet for Elverumregionen",
    "short_name": "Elverumregionen",
    "municipalities": ["3420", "3422", "3419"],
    "operator": "Elverumregionens Næringsutvikling (ERNU)",
    # The page gives no status decision. It dates the programme's operation from 2014 (ERNU took
    # it over then) and sets its job goal for "programperioden" 2015–2018; the further 50 jobs in
    # 2019–2023 are what the innovation environment built in the period is to yield afterwards,
    # so the status ends with 2018.
    "status_start_year": 2014,
    "status_end_year": 2018,
    "background": ELV_BACKGROUND,
    "organisation_text": ELV_ORGANISATION,
    "narratives": {2018: "elverumregionen-2018"},
    "plan_periods": [
        {
            "start_year": 2015,
            "end_year": 2018,
            "title": "Omstillingsplan 2015–2018",
            "main_goal": ELV_JOBS_GOAL,
            # "Omstillingsprogrammets satsingsområder i 2018".
            "focus_areas": [
                {"number": 1, "name": "Reiseliv og opplevelsesnæringer"},
                {"number": 2, "name": "Eksisterende næringsliv med vekstpotensial"},
                {"number": 3, "name": "Bioøkonomi"},
            ],
            "goals": [
                {
                    "kind": "result",
                    "metric": "new_jobs",
                    "per": "period",
                    "target": Decimal("150"),
                    "start_year": 2015,
                    "end_year": 2018,
                    "topic": "arbeidsplasser",
                    "text": ELV_JOBS_GOAL,
                },
                {
                    "kind": "effect",
                    "metric": "text",
                    "topic": "nettverk",
                    "text": "Omstillingsprogrammet skal bidra til at det skapes sterkere nettverks- og "
                    "klyngeeffekter mellom næringsaktørene og det offentlige.",
                },
            ],
        },
    ],
    # Set in the 2015–2018 period but running after it, so it belongs to no plan period.
    "goals": [
        {
            "kind": "result",
            "metric": "new_jobs",
            "per": "period",
            "target": Decimal("50"),
            "start_year": 2019,
            "end_year": 2023,
            "topic": "arbeidsplasser",
            "text": "I programperioden skal det utvikles et større innovasjonsmiljø som vil bidra til "
            "ytterligere 50 arbeidsplasser i perioden 2019 – 2023.",
        },
    ],
    # "får overført midler fra fylkeskommunen samt Åmot, Elverum og Våler kommuner"; the page
    # gives no amounts, so there are sources and no fundings. Elverumregionen lay in Hedmark.
    "funding_sources": [
        {"name": "Hedmark fylkeskommune", "kind": "county"},
        {"name": "Åmot kommune", "kind": "municipality"},
        {"name": "Elverum kommune", "kind": "municipality"},
        {"name": "Våler kommune", "kind": "municipality"},
    ],
    "calls": [
        {
            "title": "Utlysning 2018",
            "year": 2018,
            "description": "Totalt har programmet kr 1 900 000 til prosjekter i 2018 med søknadsfrist "
            "15 mai.",
            "budget": Decimal("1900000"),
            "opens_at": dt.datetime(2018, 1, 1, 0, 0, tzinfo=OSLO),
            "deadline": dt.datetime(2018, 5, 15, 23, 59, tzinfo=OSLO),
            "plan_period_start_year": 2015,
            "focus_areas": [1, 2, 3],
            "admits_forstudie": True,
            "admits_forprosjekt": True,
            "admits_hovedprosjekt": True,
        },
    ],
}

PROGRAMMES = [VESTRE_TOTEN, ELVERUMREGIONEN]


# --- Demo users (``seed_demo_users``, development only) ---------------------------------------------

# Shared by every demo login and printed by the command; the accounts exist only where
# settings.DEMO_USERS is on.
DEMO_PASSWORD = "omstilling-demo"
# Every demo login's address ends so (``leder@vestre-toten.demo``, ``admin@omstilling.demo``); ``.demo``
# is no top-level domain, so no real person's address does. Reports leave these accounts out.
DEMO_EMAIL_SUFFIX = ".demo"
DEMO_ADMIN_EMAIL = "admin@omstilling.demo"

# One applicant organisation per programme, registered in the programme's first municipality.
DEMO_APPLICANTS = {
    "vestre-toten": {"name": "Demo Industri Vestre Toten AS", "orgnr": "924000007"},
    "elverumregionen": {"name": "Demo Reiseliv Elverum AS", "orgnr": "924000015"},
}
