# ruff: noqa: E501  (sentence templates stay on one line each so they can be read and grepped whole)
"""Swedish wording for programmes, decoys and pages: sentence templates, expanded with a seeded RNG.

Templates use ``{a|b|c}`` for alternatives (chosen per use) and ``[slot]`` for named values.
Each classifier trait has many templates in both polarities, so the same trait is never said the
same way twice; the ``TRAIT_*`` tables are data, picked by ``trait_sentences``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

_ALT = re.compile(r"\{([^{}]*)\}")
_SLOT = re.compile(r"\[([a-z_]+)\]")


# slots drawn afresh at every use, so one document does not repeat the same figure everywhere
_FRESH = {
    "num": lambda rng: str(rng.choice([12, 25, 40, 60, 75, 150, 300, 450, 900, 1200])),
    "rank": lambda rng: str(rng.randint(15, 250)),
    "pct": lambda rng: str(rng.randint(60, 85)),
}


def expand(rng: random.Random, template: str, slots: dict[str, str] | None = None) -> str:
    """Fill ``[slot]``s, then choose one alternative in every ``{a|b}`` group."""

    def slot(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _FRESH:
            return _FRESH[name](rng)
        return (slots or {}).get(name, m.group(0))

    text = _SLOT.sub(slot, template)
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ([.,])", r"\1", text)  # an empty alternative before punctuation
    return text[:1].upper() + text[1:]


def pick(rng: random.Random, templates: list[str], n: int, slots: dict[str, str]) -> list[str]:
    n = min(n, len(templates))
    return [expand(rng, t, slots) for t in rng.sample(templates, n)]


# The corpus labelling rules (shared/corpus/README.md), as data. program_type is read from the
# document's own title: `naringsliv` = näringslivsprogram/-strategi/-plan, `tillvaxt` =
# tillväxtprogram/-strategi ("Tillväxt- och näringslivsprogram" counts here), `annat` = every other
# name (plan, policy, handlingsplan, färdplan, LUP). The name that comes first in the title decides
# ("Näringslivsstrategi för hållbar tillväxt" is a näringslivsstrategi), ties go to the earlier rule;
# no match is `annat`.
PROGRAM_TYPE_RULES: tuple[tuple[str, str], ...] = (
    (r"tillväxt- och näringslivs", "tillvaxt"),  # named in the README
    (r"\w+- och näringslivs|för näringsliv och \w+", "annat"),  # business combined with another field
    (r"tillväxt(?:program|strategi)|(?:program|strategi) för (?:\w+ )?tillväxt", "tillvaxt"),
    (r"näringslivs(?:program|strategi|plan)\b", "naringsliv"),
    # a strategy/programme named for the business climate is a business strategy by its own title
    # (classify.features.TYPE_PATTERNS reads it the same way)
    (r"\b(?:strategi|program)\w* för (?:\w+ ){0,3}(?:företagsklimat|företagande)", "naringsliv"),
)
# "Sustainability is emphasised" when the title names it (README: "in the title or subtitle")
SUSTAINABILITY_IN_TITLE = re.compile(r"hållbar|agenda 2030|klimat(?:neutral|smart)", re.IGNORECASE)
# A document named as an action plan is one (README: handlingsplan, aktivitetsplan, genomförandeplan, åtgärdsplan)
ACTION_PLAN_WORDS = re.compile(r"handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan", re.IGNORECASE)


def title_program_type(title: str) -> str:
    """The corpus programme type of a title, by ``PROGRAM_TYPE_RULES``."""
    low = title.lower()
    hits = [(m.start(), i, kind) for i, (rx, kind) in enumerate(PROGRAM_TYPE_RULES) if (m := re.search(rx, low))]
    return min(hits)[2] if hits else "annat"


@dataclass(frozen=True)
class Term:
    """A programme name: the word in titles and the document type; the labels its name implies."""

    word: str
    doctype: str

    @property
    def program_type(self) -> str:  # naringsliv | tillvaxt | annat
        return title_program_type(self.word)

    @property
    def names_sustainability(self) -> bool:
        return SUSTAINABILITY_IN_TITLE.search(self.word) is not None

    @property
    def names_action_plan(self) -> bool:
        return ACTION_PLAN_WORDS.search(self.word) is not None


TERMS_PLAIN = [
    Term("Näringslivsprogram", "Program"),
    Term("Näringslivsstrategi", "Strategi"),
    Term("Lokal näringslivsstrategi", "Strategi"),
    Term("Strategiskt näringslivsprogram", "Program"),
    Term("Reviderad näringslivsstrategi", "Strategi"),
    Term("Strategi för ett bättre företagsklimat", "Strategi"),
    Term("Tillväxtprogram", "Program"),
    Term("Tillväxtstrategi", "Strategi"),
    Term("Program för hållbar tillväxt", "Program"),
    Term("Näringslivsstrategi för hållbar tillväxt", "Strategi"),
]
TERMS_PLAN_POLICY = [
    Term("Plan för näringslivsutveckling", "Plan"),
    Term("Handlingsplan för näringslivsutveckling", "Plan"),
    Term("Näringslivsplan", "Plan"),
    Term("Näringslivspolicy", "Policy"),
    Term("Policy för näringslivsutveckling", "Policy"),
]
TERMS_COMBINED = [
    Term("Tillväxt- och näringslivsprogram", "Program"),
    Term("Landsbygds- och näringslivsstrategi", "Strategi"),
    Term("Program för näringsliv och arbetsmarknad", "Program"),
    Term("Strategi för näringsliv och besöksnäring", "Strategi"),
]

DRAFT_MARKERS = ["Förslag", "Utkast", "Remissversion", "Samrådshandling"]
FINNISH_SWEDISH = ["Kimitoön", "Pargas", "Närpes", "Korsholm", "Jakobstad", "Raseborg", "Kristinestad", "Malax"]
SLOGANS = [
    "Tillsammans för tillväxt",
    "Ett näringsliv i framkant",
    "Mer företagsamhet",
    "Växtkraft [kommun]",
    "Framtidens [kommun]",
    "Plats för företag",
    "Öppet för företag",
    "Modet att växa",
    "Kraft i hela kommunen",
]


@dataclass
class DocText:
    """A document as structure: what the PDF/DOCX/HTML renderers lay out."""

    title_lines: list[str]
    subtitle: str = ""
    marker: str = ""  # "FÖRSLAG" etc. on page 1
    header: list[tuple[str, str]] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def plain_text(self) -> str:
        parts = [self.marker, *self.title_lines, self.subtitle]
        parts += [f"{k} {v}" for k, v in self.header]
        for head, paras in self.sections:
            parts.append(head)
            parts.extend(paras)
        return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------- trait templates (both polarities)

TRAIT_RUS_TRUE = [
    "{Programmet|Strategin|Planen} {utgår från|bygger vidare på|har sin grund i} [rus], {den regionala utvecklingsstrategin|länets regionala utvecklingsstrategi|RUS} för [county].",
    "[kommun] {bidrar till|ska bidra till} {målen i|genomförandet av} [rus] {genom att|bland annat genom att} {stärka företagsklimatet|arbeta för fler arbetstillfällen|underlätta etableringar}.",
    "{Arbetet|Näringslivsarbetet} {ska ske i linje med|harmonierar med|är kopplat till} den regionala utvecklingsstrategin [rus] som {[region] antagit|tagits fram av [region]}.",
    "{Kopplingen|Koppling} till regionala mål: {programmet|dokumentet} {knyter an till|stödjer} [rus] och dess {prioriteringar|målområden}.",
    "I [rus] {pekas|lyfts} {kompetensförsörjning|innovation|digitaliseringen} {ut|fram} som {avgörande|central} för [county]. {Detta program|Programmet} {tar avstamp i|följer} {den inriktningen|denna inriktning}.",
    "{Styrdokumentet|Programmet} {är förankrat i|samspelar med} {den regionala utvecklingsstrategin (RUS)|regionens utvecklingsstrategi}, [rus].",
]
TRAIT_RUS_FALSE = [
    "{Programmet|Strategin} {är ett kommunövergripande styrdokument|gäller för kommunens samtliga nämnder och bolag}.",
    "Samarbetet med [region] {kring kollektivtrafik|om vårdfrågor|om kollektivtrafiken} {fortsätter|berörs inte av detta program}.",
    "{Dokumentet|Programmet} {kompletterar|ska läsas tillsammans med} kommunens översiktsplan och budget.",
]
TRAIT_INTER_TRUE = [
    "[kommun] {samverkar|samarbetar} inom [collab] {i frågor om|kring} {etableringar|kompetensförsörjning|infrastruktur|besöksnäring}.",
    "{Genom|Via} [collab] {driver|driver vi} {gemensamma|kommunövergripande} {projekt|insatser} {med|tillsammans med} {grannkommunerna|övriga medlemskommuner}.",
    "{Det mellankommunala samarbetet|Den mellankommunala samverkan} i [collab] {är viktigt|är en förutsättning} för {att nå målen|en stark arbetsmarknadsregion}.",
    "{Vi|Kommunen} {deltar aktivt i|är medlem i} [collab], {som arbetar|vars arbete syftar} för {en gemensam arbetsmarknad|fler etableringar i regionen}.",
    "Tillsammans med [neighbours] {arbetar|jobbar} [kommun] {för att|med att} {marknadsföra regionen|förbättra pendlingsmöjligheterna|stärka besöksnäringen}.",
]
TRAIT_INTER_FALSE = [
    "{Insatserna|Aktiviteterna} {genomförs|drivs} {i egen regi|av kommunens näringslivsenhet}.",
    "{Ansvaret|Huvudansvaret} för {genomförandet|programmet} {ligger på|vilar på} kommunstyrelsen.",
]
TRAIT_BUSINESS_TRUE = [
    "{Programmet|Strategin} har {tagits fram|arbetats fram} {i dialog med|tillsammans med} {det lokala näringslivet|företagare i kommunen|näringslivsrådet} {under|genom} {workshops|dialogmöten|frukostmöten} {hösten|våren} [prev_year].",
    "{Företagarna|Företagarföreningen} i [kommun]{,| samt} {handelsföreningen|LRF|Svenskt Näringsliv} {har deltagit|har medverkat} i {arbetet med programmet|framtagandet}.",
    "{Över|Drygt} [num] {företag|företagare} {svarade på|deltog i} {en enkät|vår dialogserie} {som ligger till grund för|som format} {programmet|prioriteringarna}.",
    "{Näringslivsrådet|Näringslivsgruppen}, med {representanter för|företrädare för} {lokala företag|näringslivet}, har {varit referensgrupp|fungerat som styrgrupp} {i arbetet|för programmet}.",
    "{Programmet är|Strategin är} {ett gemensamt åtagande|en gemensam plattform} för kommunen och {näringslivet|företagen} i [kommun].",
]
TRAIT_BUSINESS_FALSE = [
    "{Programmet|Strategin} har {tagits fram|utarbetats} av {kommunledningsförvaltningen|näringslivsenheten|kommunens tjänstemän} på uppdrag av kommunstyrelsen.",
    "{Förvaltningen|Kommunledningskontoret} har {sammanställt|utarbetat} {programmet|dokumentet} {utifrån|med utgångspunkt i} {kommunens vision|gällande budget}.",
]
TRAIT_ANNUAL_TRUE = [  # yearly activities without naming a plan: true whether or not there is an action plan
    "{Återkommande|Årliga} aktiviteter är {näringslivsgalan|företagsbesök|frukostmöten för företagare} och {Företagarnas dag|en mässa|Nyföretagarcentrums kvällar}.",
    "{Under varje år|Varje år} {genomförs|ska genomföras} {minst [num] företagsbesök|ett [num]-tal företagsbesök} {av kommunledningen|av politiker och tjänstemän}.",
    "{Inför varje verksamhetsår|Varje år} {väljer|prioriterar} kommunstyrelsen {årets insatser|vilka insatser som ska genomföras} {inom ramen för budgeten|utifrån programmets mål}.",
    "{I|Inom ramen för} {den årliga budgeten|varje års budget} {avsätts|finns} medel för {näringslivsaktiviteter|insatserna} {per verksamhetsår|under verksamhetsåret}.",
]
# yearly activities *as a plan*: an "årlig handlingsplan" is also an action plan (corpus README), so
# these are used only when the programme has one
TRAIT_ANNUAL_PLAN = [
    "{Varje år|Årligen} {tas|upprättas} en {aktivitetsplan|årlig handlingsplan} {med konkreta aktiviteter|som beslutas av kommunstyrelsen}.",
    "{Programmet|Strategin} {konkretiseras|bryts ned} i {årliga aktivitetsplaner|en årlig handlingsplan} {som beslutas av kommunstyrelsen|inför varje verksamhetsår}.",
    "{Handlingsplanens aktiviteter|Aktiviteterna i handlingsplanen} {revideras|uppdateras} {årligen|varje år} {i samband med budgetarbetet|inför varje nytt verksamhetsår}.",
]
TRAIT_ANNUAL_FALSE = [
    "{Uppföljning|Utvärdering} sker {vid periodens slut|när programperioden löper ut|i samband med revidering}.",
]
TRAIT_SUSTAIN_STRONG = [
    "{Hållbar utveckling|Hållbarhet} är {en bärande princip|ett genomgående perspektiv} i {programmet|strategin}{, i linje med Agenda 2030|}.",
    "{Omställningen till|Övergången till} en {fossilfri|cirkulär|klimatneutral} ekonomi {ger nya affärsmöjligheter|är en möjlighet} för {företagen|näringslivet} i [kommun].",
    "{Kommunen ska|Vi ska} {stödja|uppmuntra} företag som {minskar sin klimatpåverkan|ställer om till förnybar energi|arbetar med cirkulära affärsmodeller}.",
    "{Social, ekologisk och ekonomisk hållbarhet|De tre hållbarhetsdimensionerna} {ska genomsyra|ska prägla} {alla insatser|näringslivsarbetet}.",
    "{Målen|Insatserna} {kopplas till|relateras till} {de globala målen|FN:s globala hållbarhetsmål} {i Agenda 2030|}.",
]
TRAIT_SUSTAIN_PASSING = [
    "{Arbetet ska bedrivas|Insatserna ska genomföras} på ett {hållbart|långsiktigt hållbart} sätt.",
    "{En hållbar|En långsiktig} tillväxt är {önskvärd|eftersträvansvärd}.",
]
VISIONS = [
    "[kommun] är {Sveriges bästa|länets bästa|en självklar} {kommun att driva företag i|plats att starta och driva företag på} år [end].",
    "{Ett|Vi har ett} {växande|starkt och mångsidigt} näringsliv {som ger|med} {fler jobb|arbetstillfällen} {i hela kommunen|för alla}.",
    "[kommun] ska vara {känd för|präglad av} {ett gott företagsklimat|god service till företag} och {snabba besked|en hög tillgänglighet}.",
    "{År [end]|Till år [end]} {har [kommun]|ska [kommun] ha} {[num] fler arbetstillfällen|ett av länets bästa företagsklimat}.",
]
GOALS = [
    "{Kommunen ska|[kommun] ska} {förbättra sin placering|klättra} i Svenskt Näringslivs ranking av företagsklimatet till {plats [rank]|topp 50} senast [end].",
    "Antalet {nystartade företag|nya företag} {per 1 000 invånare|} ska {öka|öka varje år}.",
    "{Handläggningstiden|Tiden} för {bygglov|tillstånd} ska {halveras|minska} under perioden.",
    "{Andelen|Antalet} {sysselsatta|förvärvsarbetande} i kommunen ska öka {till [pct] procent|}.",
    "{Nöjd-Kund-Index|NKI} i SKR:s {Insikt-mätning|servicemätning} ska {vara minst [num]|öka}.",
    "Minst [num] hektar {planlagd|byggklar} verksamhetsmark ska {finnas tillgänglig|finnas} {vid varje tidpunkt|}.",
]
FOCUS_AREAS = {
    "Företagsklimat": [
        "{Ett gott företagsklimat|Företagsklimatet} {skapas i mötet|byggs i mötet} mellan {kommunen och företagen|tjänstemän och företagare}.",
        "{Kommunens service|Myndighetsutövningen} ska {präglas av|kännetecknas av} {tillgänglighet, bemötande och rättssäkerhet|snabbhet och förutsägbarhet}.",
    ],
    "Etablering och mark": [
        "{Kommunen ska|Vi ska} {ha en god planberedskap|erbjuda attraktiv verksamhetsmark} {för nya etableringar|längs [road]}.",
        "{Etableringsfrågor|Förfrågningar om etablering} {ska hanteras|hanteras} {samordnat|i en etableringsgrupp} {med en väg in|}.",
    ],
    "Kompetensförsörjning": [
        "{Företagens|Arbetsgivarnas} {största utmaning|främsta hinder för tillväxt} är {att hitta rätt kompetens|kompetensförsörjningen}.",
        "{Samverkan mellan skola och näringsliv|Skola–arbetsliv-samverkan} {ska stärkas|utvecklas} {genom praktikplatser|genom prao och lärlingsplatser}.",
    ],
    "Besöksnäring": [
        "{Besöksnäringen|Turismen} {har stor potential|är en växande näring} i [kommun].",
    ],
    "Landsbygd": [
        "{Hela kommunen ska leva|Företag på landsbygden ska ha goda förutsättningar}{, med bredband och service|}.",
    ],
    "Infrastruktur och kommunikationer": [
        "{Goda kommunikationer|Bra vägar, tåg och bredband} är {en förutsättning|avgörande} för {näringslivets utveckling|att företag ska kunna växa}.",
    ],
    "Innovation och entreprenörskap": [
        "{Nyföretagande|Entreprenörskap} {ska uppmuntras|stimuleras} {redan i skolan|genom Ung Företagsamhet|via Nyföretagarcentrum}.",
    ],
    "Handel och centrumutveckling": [
        "{Ett levande centrum|Centrumhandeln} {är viktig|har betydelse} för {kommunens attraktivitet|hur kommunen uppfattas}.",
    ],
}
FOLLOW_UP = [
    "{Programmet|Strategin} {följs upp|ska följas upp} {årligen|varje år|löpande} {av kommunstyrelsen|i kommunens årsredovisning}.",
    "{Uppföljningen|Redovisningen} {sker|görs} {genom nyckeltal|med hjälp av indikatorer} som {Svenskt Näringslivs ranking|SKR:s Insikt} och {antal nya företag|sysselsättningsgrad}.",
    "{Ansvarig för uppföljning|Uppföljningsansvarig} är {näringslivschefen|kommundirektören}.",
]
INTRO = [
    "{Detta program|Det här programmet|Dokumentet} {anger|beskriver} {inriktningen för|ramarna för} {[kommun] kommuns|kommunens} {arbete med näringslivsfrågor|näringslivsarbete} {under perioden [start]–[end]|fram till [end]}.",
    "{Ett starkt näringsliv|Fler företag och jobb} är {en förutsättning för|grunden för} {välfärden|en växande kommun}.",
    "{I [kommun] finns|[kommun] har} {drygt|omkring} [num] {företag|aktiva företag}{, de flesta med färre än tio anställda|}.",
    "{Programmet|Strategin} {ersätter|efterträder} {det tidigare programmet|tidigare näringslivsprogram} från [prev_period].",
]
ACTION_ROWS = [
    "Aktivitet: {Företagsbesök|Näringslivsfrukost|Etableringsgrupp|Lotsfunktion för företag}. Ansvarig: {Näringslivsenheten|Kommunstyrelsen|Samhällsbyggnadsförvaltningen}. Tidplan: [year].",
    "Åtgärd: {Ta fram|Införa} {en mark- och lokalbank|en företagslots|e-tjänster för tillstånd}. Ansvar: {Kommunledningsförvaltningen|Näringslivschef}. Klart: [year].",
    "Insats: {Utveckla|Stärka} {samverkan skola–näringsliv|servicen vid bygglov|dialogen med handeln}. Ansvarig: {Utbildningsförvaltningen|Bygg- och miljönämnden}. När: [year].",
]
FILLER = [
    "{Här hittar du|På den här sidan finns} {information|samlad information} om [topic].",
    "{Kontakta|Hör av dig till} {kommunens kontaktcenter|oss} {om du har frågor|för mer information} om [topic].",
    "{Kommunen|[kommun]} {ansvarar för|arbetar med} [topic] {enligt|utifrån} {lagar och föreskrifter|gällande regler}.",
    "{Ansök|Gör din ansökan} {via e-tjänst|digitalt} {eller|alternativt} {skicka in blanketten|kontakta handläggaren}.",
    "{Öppettider|Telefontider} {varierar|kan variera} {under sommaren|under helgdagar}.",
    "{Läs mer|Mer information finns} {under|på sidan} [topic].",
]


def slots_for(
    rng: random.Random,
    kommun: str,
    county: str,
    region: str,
    rus: str,
    collab: str,
    neighbours: str,
    start: int,
    end: int,
) -> dict[str, str]:
    return {
        "kommun": kommun,
        "county": county,
        "region": region,
        "rus": rus,
        "collab": collab,
        "neighbours": neighbours,
        "start": str(start),
        "end": str(end),
        "prev_year": str(start - 1),
        "prev_period": f"{start - 4}–{start - 1}",
        "num": str(rng.choice([12, 25, 40, 75, 150, 300, 900, 1200])),
        "year": str(rng.randint(start, end)),
        "road": rng.choice(["E4", "E20", "E22", "riksväg 40", "väg 26"]),
        "topic": "näringsliv",
    }


@dataclass(frozen=True)
class Traits:
    program_type: str
    rus_link: bool
    intermunicipal_link: bool
    action_plan: bool
    sustainability: bool
    business_collaboration: bool
    annual_activities: bool

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def trait_sentences(rng: random.Random, traits: Traits, slots: dict[str, str]) -> dict[str, list[str]]:
    """Sentences per trait, chosen from the table of the trait's polarity."""
    table = {
        "rus": TRAIT_RUS_TRUE if traits.rus_link else TRAIT_RUS_FALSE,
        "inter": TRAIT_INTER_TRUE if traits.intermunicipal_link else TRAIT_INTER_FALSE,
        "business": TRAIT_BUSINESS_TRUE if traits.business_collaboration else TRAIT_BUSINESS_FALSE,
        "annual": (TRAIT_ANNUAL_TRUE + (TRAIT_ANNUAL_PLAN if traits.action_plan else []))
        if traits.annual_activities
        else TRAIT_ANNUAL_FALSE,
        "sustain": TRAIT_SUSTAIN_STRONG if traits.sustainability else TRAIT_SUSTAIN_PASSING,
    }
    strong = {"rus": traits.rus_link, "inter": traits.intermunicipal_link, "sustain": traits.sustainability}
    out: dict[str, list[str]] = {}
    for key, templates in table.items():
        n = rng.randint(2, 3) if strong.get(key, True) else 1
        out[key] = pick(rng, templates, n, slots)
    return out


def programme_text(
    rng: random.Random,
    *,
    title_lines: list[str],
    subtitle: str,
    header: list[tuple[str, str]],
    marker: str,
    traits: Traits,
    slots: dict[str, str],
    validity_sentence: str,
) -> DocText:
    """A programme in the order real ones use: intro, vision, goals, focus areas, plan, follow-up."""
    ts = trait_sentences(rng, traits, slots)
    intro = pick(rng, INTRO, rng.randint(2, 4), slots) + ts["business"] + [validity_sentence]
    sections: list[tuple[str, list[str]]] = [(rng.choice(["Inledning", "Förord", "Bakgrund", "Syfte"]), intro)]
    if traits.rus_link or rng.random() < 0.5:
        head = rng.choice(["Koppling till andra styrdokument", "Utgångspunkter", "Omvärld och förutsättningar"])
        sections.append((head, ts["rus"]))
    else:
        intro.extend(ts["rus"])
    sections.append(("Vision", pick(rng, VISIONS, rng.randint(1, 2), slots)))
    sections.append(
        (rng.choice(["Mål", "Övergripande mål", "Målsättningar"]), pick(rng, GOALS, rng.randint(3, 5), slots))
    )
    areas = rng.sample(sorted(FOCUS_AREAS), rng.randint(3, 5))
    for area in areas:
        sections.append((area, pick(rng, FOCUS_AREAS[area], 2, slots)))
    if traits.sustainability:
        sections.insert(rng.randint(3, len(sections)), (rng.choice(["Hållbar tillväxt", "Hållbarhet"]), ts["sustain"]))
    else:
        sections[-1][1].extend(ts["sustain"])
    if traits.intermunicipal_link:
        sections.append((rng.choice(["Samverkan", "Regional samverkan", "Samarbete med andra kommuner"]), ts["inter"]))
    else:
        sections[-1][1].extend(ts["inter"])
    if traits.action_plan:
        rows = pick(rng, ACTION_ROWS, 3, slots) + pick(rng, ACTION_ROWS, 2, slots)
        sections.append(
            (
                rng.choice(["Handlingsplan", "Handlingsplan [start]–[end]", "Aktiviteter och åtgärder"])
                .replace("[start]", slots["start"])
                .replace("[end]", slots["end"]),
                rows,
            )
        )
    follow = pick(rng, FOLLOW_UP, 2, slots) + ts["annual"]
    sections.append(
        (rng.choice(["Uppföljning", "Uppföljning och utvärdering", "Genomförande och uppföljning"]), follow)
    )
    return DocText(title_lines=title_lines, subtitle=subtitle, marker=marker, header=header, sections=sections)


# ---------------------------------------------------------------- decoys

DECOY_CLASSES = (
    "regional_strategy",
    "ranking_report",
    "uppfoljning",
    "ks_protocol",
    "tjansteskrivelse",
    "news_draft",
    "tillvaxt_housing",
    "besoksnaring",
    "handelsstrategi",
    "landsbygdsprogram",
    "kompetensforsorjning",
    "upphandlingspolicy",
    "oversiktsplan",
    "naringslivsrad_minnes",
    "foretagarguide",
    "eu_project",
    "neighbour_programme",
    "finnish_programme",
    "mirror",
)

_DECOY: dict[str, tuple[list[str], list[tuple[str, list[str]]]]] = {
    "ranking_report": (
        ["Företagsklimatet i [kommun] [year]", "Lokalt företagsklimat [year] – [kommun]"],
        [
            (
                "Sammanfattning",
                [
                    "{Svenskt Näringslivs|Den årliga} {enkät|undersökning} om {det lokala företagsklimatet|företagsklimatet} {besvarades av|har besvarats av} [num] företagare i [kommun].",
                    "[kommun] {placerar sig|hamnar} på plats [num] av 290 i {rankingen|den sammanfattande rankingen}.",
                    "{Sammanfattande omdöme|Det sammanfattande omdömet} om företagsklimatet {är|blev} 3,[num2].",
                ],
            )
        ],
    ),
    "uppfoljning": (
        [
            "Uppföljning av näringslivsprogrammet [year]",
            "Årsrapport näringsliv [year]",
            "Uppföljning näringslivsstrategi [year]",
        ],
        [
            (
                "Resultat",
                [
                    "{Under [year]|Året [year]} {genomfördes|gjordes} [num] företagsbesök {enligt näringslivsprogrammet|}.",
                    "{Av programmets|Av de} {mål|målen} {är|har} [num2] {uppfyllda|uppnåtts} och övriga {delvis uppfyllda|påbörjade}.",
                    "{Rapporten|Uppföljningen} {redovisas för|lämnas till} kommunstyrelsen.",
                ],
            )
        ],
    ),
    "ks_protocol": (
        ["Protokoll kommunstyrelsen [date]", "Sammanträdesprotokoll kommunfullmäktige [date]"],
        [
            (
                "§ [num2] Antagande av näringslivsprogram",
                [
                    "Dnr KS [year]/[num]",
                    "{Beslut|Kommunstyrelsens förslag till beslut}: {Kommunfullmäktige antar|Att anta} {näringslivsprogrammet|näringslivsstrategin} för perioden [start]–[end].",
                    "{Ärendebeskrivning|Sammanfattning}: {Ett förslag till nytt näringslivsprogram|En ny strategi} har {tagits fram|remitterats}.",
                    "Justerare: {Anna Svensson|Per Lind|Karin Ek}. Protokollet {justeras|justerades} [date].",
                ],
            )
        ],
    ),
    "tjansteskrivelse": (
        ["Tjänsteskrivelse – Nytt näringslivsprogram", "Tjänsteutlåtande: Reviderad näringslivsstrategi"],
        [
            (
                "Ärende",
                [
                    "Dnr KS [year]/[num]",
                    "{Förvaltningen föreslår|Kommunledningsförvaltningen föreslår} att {kommunstyrelsen|kommunfullmäktige} antar {bifogat förslag|förslaget} till näringslivsprogram, bilaga 1.",
                    "{Beslutsunderlag|Bilagor}: Förslag till näringslivsprogram [start]–[end].",
                ],
            )
        ],
    ),
    "tillvaxt_housing": (
        ["Tillväxtprogram för bostäder och infrastruktur", "Tillväxtprogrammet – bostadsförsörjning [start]–[end]"],
        [
            (
                "Bostadsbyggande",
                [
                    "{Målet|Ambitionen} är att {bygga|färdigställa} [num] nya bostäder per år.",
                    "{Detaljplaner|Planläggning} för {nya bostadsområden|förtätning} {prioriteras|ska prioriteras} {längs stråken|i centrum}.",
                ],
            )
        ],
    ),
    "besoksnaring": (
        ["Besöksnäringsstrategi för [kommun] [start]–[end]", "Destinationsstrategi [kommun] [end]"],
        [
            (
                "Destination",
                [
                    "{Besöksnäringen|Turismen} {omsätter|omsatte} [num] miljoner kronor.",
                    "{Målet|Visionen} är {fler gästnätter|en hållbar destination} {året runt|}.",
                ],
            )
        ],
    ),
    "handelsstrategi": (
        ["Handelsstrategi för [kommun]", "Handelsutredning [year]"],
        [
            (
                "Handel",
                ["{Handelns|Detaljhandelns} {omsättning|utveckling} {i centrum|i externlägen} {analyseras|redovisas}."],
            )
        ],
    ),
    "landsbygdsprogram": (
        ["Landsbygdsprogram [start]–[end]", "Landsbygdsutvecklingsprogram för [kommun]"],
        [
            (
                "Landsbygd",
                [
                    "{Service|Bredband och service} på landsbygden ska {säkras|utvecklas}.",
                    "{Byalag|Lokala utvecklingsgrupper} {kan söka|får söka} bidrag.",
                ],
            )
        ],
    ),
    "kompetensforsorjning": (
        ["Kompetensförsörjningsstrategi [start]–[end]", "Strategi för kompetensförsörjning"],
        [
            (
                "Kompetens",
                [
                    "{Kommunen som arbetsgivare|Kommunens verksamheter} {behöver rekrytera|ska rekrytera} [num] medarbetare."
                ],
            )
        ],
    ),
    "upphandlingspolicy": (
        ["Upphandlingspolicy", "Policy för upphandling och inköp"],
        [
            (
                "Upphandling",
                [
                    "{Upphandlingar|Inköp} ska {genomföras|ske} {affärsmässigt|enligt LOU} och {underlätta för små företag|vara konkurrensutsatta}."
                ],
            )
        ],
    ),
    "oversiktsplan": (
        ["Översiktsplan [end]", "Planeringsstrategi [year]", "Planstrategi för [kommun]"],
        [
            (
                "Mark- och vattenanvändning",
                [
                    "{Översiktsplanen|Planen} {visar|anger} {inriktningen för|grunddragen i} mark- och vattenanvändningen.",
                    "{Verksamhetsområden|Nya verksamhetsområden} {pekas ut|redovisas} {vid|längs} [road].",
                ],
            )
        ],
    ),
    "naringslivsrad_minnes": (
        ["Minnesanteckningar näringslivsrådet [date]", "Anteckningar från näringslivsrådets möte [date]"],
        [
            (
                "Närvarande",
                [
                    "{Näringslivschef|Kommunstyrelsens ordförande}, {representanter för handeln|Företagarna}.",
                    "{Diskuterades|Punkt 3}: {arbetet med nytt näringslivsprogram|rankingen}.",
                ],
            )
        ],
    ),
    "foretagarguide": (
        ["Företagarguide", "Så funkar kommunen – guide för företagare"],
        [
            (
                "Tillstånd",
                [
                    "{Serveringstillstånd|Bygglov|Livsmedelsregistrering} {söks|ansöks} hos {kommunen|miljöförvaltningen}."
                ],
            )
        ],
    ),
    "eu_project": (
        ["Slutrapport EU-projekt [year]", "Interreg-projektet Gränslös tillväxt – slutrapport"],
        [
            (
                "Projektet",
                [
                    "{Projektet|Insatsen} {finansierades|delfinansierades} av {Europeiska regionala utvecklingsfonden|Interreg}.",
                    "[num] företag {deltog|medverkade} i {projektets aktiviteter|utbildningarna}.",
                ],
            )
        ],
    ),
    "regional_strategy": (
        ["[rus]", "Regional utvecklingsstrategi för [county]"],
        [
            (
                "Regional utveckling",
                [
                    "{Strategin|RUS} {gäller för|omfattar} hela [county] och {antas|har antagits} av [region].",
                    "{Länets|Regionens} kommuner {bidrar|ska bidra} till {genomförandet|målen}.",
                ],
            )
        ],
    ),
}


def decoy_text(rng: random.Random, cls: str, slots: dict[str, str]) -> DocText:
    titles, sections = _DECOY[cls]
    s = dict(slots)
    s.setdefault("date", f"{slots['year']}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}")
    s["num2"] = str(rng.randint(2, 9))
    title = expand(rng, rng.choice(titles), s)
    out = [(expand(rng, h, s), [expand(rng, p, s) for p in paras]) for h, paras in sections]
    out.append(("Övrigt", pick(rng, FILLER, 2, s)))
    return DocText(title_lines=[title], sections=out)
