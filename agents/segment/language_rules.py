"""Per-language lists for the `segment` stage's period rules: titles, abbreviations, starters.

Small hand-written lists (no corpus copied in). Keys are ISO 639-1 codes where they exist,
else ISO 639-3, as the language stage reports them. Abbreviations are stored lower-cased
without their final period; a token matches when its lower-cased form (leading brackets,
quotes and elided articles such as Italian/French ``l'`` removed) is in the set.

- ``TITLES``: abbreviations that introduce a name and never end a sentence (Mr., Dr., St.).
- ``ABBREVIATIONS``: other abbreviations: a period after one ends a sentence only when the
  next word is a common sentence starter of the language (``... & Co. It closed``).
- ``STARTERS``: words that begin sentences far more often than they follow an abbreviation
  (hand-picked; the headline cue's generated table is ``data/starters.json``).
- ``ORDINAL_LANGS``: languages that write ordinals as ``12.`` (``am 12. Juni``).
- ``LOWER_STARTS``: languages whose sentences may start with a lower-case letter, so a
  lower-case next word is no evidence against a boundary.
"""
from __future__ import annotations

_UNIVERSAL = """
    ca cf etc vs approx
"""
# Titles understood in any language ("Mt. Kisco" in a Spanish text).
_UNIVERSAL_TITLES = (
    "mr mrs dr prof mt st"
    # Indic honorifics and "Dr." (Devanagari, Bengali, Gurmukhi, Gujarati, Kannada, Tamil, Telugu, Malayalam)
    " श्री डॉ डा শ্রী ডা ডঃ ਸ਼੍ਰੀ ਡਾ શ્રી ડૉ ಶ್ರೀ ಡಾ ஸ்ரீ திரு டாக்டர் டா శ్రీ డా డాక్టర్ ശ്രീ ഡോ"
)
# Abbreviations that stand before a number ("No. 5", "p. 55", "art. 4"): no boundary when a
# digit follows; otherwise the period may end a sentence ("she said no. Then ...").
_NUMERIC = """
    no nr n° nº núm num rs p pp pág págs pag pagg par párr párrf art arts fig figs vol vols tel
    kv кв ст ул д бр бр.
"""

_TITLES = {
    "en": "mr mrs ms dr prof st mt sen rep gov gen col lt capt sgt cmdr adm rev hon pres supt fr messrs mssrs jr sr ft",
    "de": "hr hrn fr dr prof st",
    "fr": "m mm mme mlle dr pr me st ste",
    "es": "sr sra srta sres dr dra lic ing prof d dña sto sta",
    "pt": "sr sra srta dr dra prof eng",
    "it": "sig sigg sig.ra sig.na dott dott.ssa prof ing avv arch geom rag on",
    "nl": "dhr mevr mr dr prof ir drs ing",
    "da": "hr fr dr prof skt st",
    "nb": "hr fr dr prof st skt",
    "nn": "hr fr dr prof st skt",
    "sv": "hr fr dr prof st s:t",
    "ru": "г-н г-жа проф акад д-р ул пр-т пл пгт пос дер ст",
    "uk": "п пані проф акад д-р вул",
    "bg": "г-н г-жа проф акад д-р ул пл бул",
    "kk": "проф акад",
    "pl": "p pan pani dr prof inż mgr ks św ul",
    "cs": "p pan paní dr prof ing mgr sv ul",
    "sk": "p pán pani dr prof ing mgr sv ul",
    "el": "κ κος κα δρ",
    "hy": "պրն տկն",
}

_ABBREVIATIONS = {
    "en": """a.m p.m co corp inc ltd llc plc dept univ assn bros jan feb apr jun jul aug sep sept
        oct nov dec tues thu thur thurs fri ave blvd rd hwy eds
        e.g i.e al u.s u.k u.n u.s.a e.u d.c ph.d jr sr esp approx dist misc""",
    "de": """z b d h u a o ä s v bzw usw vgl ca inkl ggf evtl bspw sog str nr mio mrd jh jhd abs
        gmbh ag kg ev e.v z.b d.h u.a o.ä s.o s.u v.a bzw zb dh uvm ua""",
    "fr": """av apr j.-c env etc cf p ex bd ste cie ltd mm no art chap éd vol""",
    "es": """ee uu ee.uu etc art arts núm pág págs párr párrf cía ltda av avda col depto admón aprox
        ene feb mar abr may jun jul ago sep sept oct nov dic lun mié jue vie sáb dom min máx hs""",
    "pt": """ee uu av art cia ltda pág págs etc jan fev mar abr mai jun jul ago set out nov dez""",
    "it": """ecc pag pagg art artt tel cfr es ecc sig ca gen feb mar apr mag giu lug ago sett ott nov
        dic lun mer gio ven sab dom meteor idraul psicol st d ca dir amm""",
    "nl": """bv bijv ca dhr mevr nl nr blz resp enz etc aanw vnw zn ww bnw bijw vz vw lidw telw""",
    "da": """co ca bl.a f.eks m.m osv mht iflg jf dvs kr mio mia nr ang etc p""",
    "nb": """bl.a f.eks m.m osv mht iflg jf dvs kr mill mrd nr ca etc""",
    "nn": """bl.a t.d.Ø.d m.m osb jf dvs kr mill mrd nr ca etc""",
    "sv": """bl.a t.ex m.m osv dvs kr milj mdr nr ca etc""",
    "ru": """т.е т.к т.д т.п т.н т.ч т.о др пр см ср им г гг в вв тыс млн млрд руб коп дол долл
        куб кв км кг мин макс н.э до н.э ок кв чел""",
    "uk": """т.д т.п т.ч тис млн млрд грн див р рр ст ім""",
    "bg": """т.г т.е т.н т.нар г гр в вкл др пл бул ул млн млрд хил лв""",
    "kk": """т т.б б ж млн млрд жыл б.з.б""",
    "pl": """np tzn tj itd itp m.in r ul al św wg ok tys mln mld zł ds gen płk bałt""",
    "cs": """tzv tj např atd apod mj r roč tis mil mld kč s.r.o a.s""",
    "sk": """tzv tj napr atď a.s s.r.o r tis mil mld""",
    "el": """π.χ κ.λπ κ.ά μ.μ π.μ δηλ""",
    "hy": """թ թթ""",
    "tr": "a.ş vb vs dr prof",
}

_STARTERS = {
    "en": """A Being Did For He How However I In It Millions More She That The There They We What
        When Where Who Why This These Those But And As At After If Yet Then Now""",
    "da": "De Det Den Der Hvad Han Hun Jeg Vi Hvor Hvorfor Hvordan Men Og",
    "nb": "De Det Den Der Hva Han Hun Jeg Vi Men Og",
    "de": "Der Die Das Er Sie Es Wir Ich Was Wie Wo Warum Aber Und",
    "es": "El La Los Las Él Ella Yo Qué Cómo Pero Y",
    "fr": "Le La Les Il Elle Ils Elles Je Nous Mais Et",
}

# Languages that mark ordinals with a period after the digits: "am 12. Juni", "XII. Pluku".
ORDINAL_LANGS = frozenset(
    "bs cs da de et eu fo fi hr hu is lb nb nn no pl sk sl sr tr mk".split()
)
# Lower-case sentence starts are common (particles, or no case in practice).
LOWER_STARTS = frozenset("fj kmr so wo ha ee zu ss yo el".split())

# Words that carry their own '!' inside a sentence.
EXCLAMATION_WORDS = frozenset(("yahoo!", "jeopardy!"))


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in text.split())


UNIVERSAL = _words(_UNIVERSAL)
NUMERIC = _words(_NUMERIC)
UNIVERSAL_TITLES = _words(_UNIVERSAL_TITLES)
TITLES = {k: _words(v) | UNIVERSAL_TITLES for k, v in _TITLES.items()}
ABBREVIATIONS = {k: _words(v) | UNIVERSAL for k, v in _ABBREVIATIONS.items()}
STARTERS = {k: _words(v) for k, v in _STARTERS.items()}
# Languages sharing another's lists.
for _alias, _src in (("no", "nb"), ("mk", "bg"), ("be", "ru"), ("sr", "ru"), ("ky", "ru"), ("tg", "ru"), ("ca", "es"), ("gl", "es")):
    if _src in TITLES and _alias not in TITLES:
        TITLES[_alias] = TITLES[_src]
    if _src in ABBREVIATIONS and _alias not in ABBREVIATIONS:
        ABBREVIATIONS[_alias] = ABBREVIATIONS[_src]
