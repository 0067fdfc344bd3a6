"""The model pass: each language's NER model over the paragraphs of the articles it reads,
batched with `nlp.pipe` so the worker pays one model call per batch, and decoded by
`greedy.py` where the model fits it."""
from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Iterable

from newsflow.agents.entities.mentions import token_edges
from newsflow.agents.entities.ner_models import MODEL_LABELS, load, reading_zone
from newsflow.agents.entities.reading import Reading
from newsflow.agents.stage import check_deadline
from newsflow.schemas import ENTITY_LABELS, Article, Entity, Span

PIPE_BATCH = 64
# The most text one `nlp.pipe` call gets (~0.25 s of NER): the item's deadline is checked
# between calls, and spaCy's working memory grows with the batch.
PIPE_CHARS = 20_000
# The longest text one doc gets: a longer paragraph is read in windows cut at sentence ends.
MAX_REGION_CHARS = 20_000
# The model reads this much of an article (~3 s; long reports are 150-250 kB): past it, a note
# says where it stopped, so that the stage's cost has a bound whatever the item's size.
MAX_MODEL_CHARS = 300_000


def recognise(readings: list[Reading], models: dict[str, str]) -> None:
    """Appends the model's mentions (source "model"), in body order, to the articles a model
    reads; `models` maps a reading language to its spaCy pipeline."""
    from newsflow.agents.entities.greedy import entities  # (imports spaCy: not for `--stages language`)

    by_lang: dict[str, list[Article]] = {}
    for r in readings:
        if r.modelled:
            by_lang.setdefault(r.language, []).append(r.article)
    for code, group in by_lang.items():
        labels = MODEL_LABELS.get(code, ENTITY_LABELS)
        work = []
        for a in group:
            edges = token_edges(a) if code == "en" else None  # once per article, shared by its regions
            work.extend((a, region, edges) for region in _regions(a))
        nlp = load(models[code])
        for chunk in _chunks(work):
            check_deadline()
            with reading_zone(nlp, sum(r.end - r.start for _, r, _ in chunk)):  # docs die with it
                found = entities(nlp, (a.body[r.start : r.end] for a, r, _ in chunk), batch_size=len(chunk))
                for (article, region, edges), (doc, spans) in zip(chunk, found):
                    for start, end, label in spans:
                        if label in labels:
                            ent = doc[start:end]
                            _add(article, label, region.start + ent.start_char, region.start + ent.end_char, edges)
        if code != "en":
            for a in group:
                a.processing.notes.append(
                    f"entities: language '{code}': {'/'.join(sorted(labels))} from {Path(models[code]).name}"
                )


def _add(article: Article, label: str, start: int, end: int, edges) -> None:
    """One model mention: English ones on segment-token edges (`edges`), the others trimmed to
    the name and joined to an organisation they were cut from."""
    if edges is None:
        start, end = _trim(article.body, start, end)
        if _joins_org(article, label, start):
            prev = article.entities[-1]
            prev.end, prev.text = end, article.body[prev.start : end]
            return
    else:
        start, end = _snap(edges, start, end)
        if article.entities and article.entities[-1].end > start:
            return  # two mentions inside one token: the first stays
    if end > start:
        article.entities.append(Entity(article.body[start:end], label, start, end, source="model"))


def _chunks(work: list) -> Iterable[list]:
    """`work` in runs of at most PIPE_BATCH regions and PIPE_CHARS characters."""
    chunk: list = []
    chars = 0
    for w in work:
        size = w[1].end - w[1].start
        if chunk and (len(chunk) == PIPE_BATCH or chars + size > PIPE_CHARS):
            yield chunk
            chunk, chars = [], 0
        chunk.append(w)
        chars += size
    if chunk:
        yield chunk


def _regions(article: Article) -> list[Span]:
    body = article.body
    paragraphs = article.paragraphs or ([Span(0, len(body))] if body else [])
    if len(body) > MAX_MODEL_CHARS:
        article.processing.notes.append(
            f"entities: the model read the first {MAX_MODEL_CHARS} of {len(body)} characters"
        )
        paragraphs = [Span(p.start, min(p.end, MAX_MODEL_CHARS)) for p in paragraphs if p.start < MAX_MODEL_CHARS]
    if all(p.end - p.start <= MAX_REGION_CHARS for p in paragraphs):
        return paragraphs
    cuts = sorted(s.end for s in article.sentences)
    return [w for p in paragraphs for w in _windows(body, p, cuts, MAX_REGION_CHARS)]


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


def _snap(edges: tuple[list[int], list[int]], start: int, end: int) -> tuple[int, int]:
    """Widen a mention to the segment tokens it touches, so that a consumer can map it onto
    `article.tokens`. The segment tokens split where spaCy's English rules do, so this is the
    guarantee, not a repair."""
    starts, ends = edges
    i = bisect.bisect_right(starts, start) - 1
    if i >= 0 and ends[i] > start:
        start = starts[i]
    j = bisect.bisect_left(ends, end)
    if j < len(ends) and starts[j] < end:
        end = ends[j]
    return start, end


def _joins_org(article: Article, label: str, start: int) -> bool:
    """A place right after an organisation, one space between, is part of its name: the French
    model cuts such names before the place ("BBC" + "Afrique", "Institut national de santé
    publique du" + "Libéria"; data/README.md)."""
    prev = article.entities[-1] if article.entities else None
    return (
        label == "LOC" and prev is not None and prev.label == "ORG" and prev.source == "model"
        and article.body[prev.end : start] == " "
    )


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
