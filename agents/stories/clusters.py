"""Online story clustering: each article joins the most similar live story, or starts one.

An article and a story are compared twice, on words (cosine of tf-idf vectors, idf per language)
and on anchors (cosine of idf-weighted numbers, place ids and name skeletons: any language). Where
the story already has a member in the article's language the score is the mean of the two (the
words alone say "same topic", not "same event"); elsewhere it is the anchors' cosine. A story
keeps the sum of its members' vectors cut to its `max_terms` / `max_anchors` heaviest entries, so
its state is bounded, and leaves the index when no article joined it for `window_s`. Two signs
that an article is about another event of the same topic scale its score down: its latest named
year is far from most of the story's articles' (the same coach fired again years later), and both
name figures (numbers, dates) without sharing one (two reports of one event agree on some of its
figures: a score, a toll, a date; the next title defence has its own). Name
candidates of caseless scripts (and German nouns) match a story's names but never add new ones:
two such guesses agreeing by chance is how unrelated stories met.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Callable, Iterator, Optional

from newsflow.agents.stories.features import Features
from newsflow.agents.stories.journal import Journal
from newsflow.agents.stories.weights import DocumentFrequencies

Vector = dict[str, float]


@dataclass(slots=True)
class StoryParams:
    window_s: float = 3 * 24 * 3600.0  # a story with no new article for this long is cold
    threshold: float = 0.2  # the score that joins the best story; below it, a new story
    anchor_weight: float = 1.0
    # How much an anchor's repeats count (1: log tf, 0: once): a translation names a person as
    # often as its language's grammar wants (pronouns, possessives), its numbers once each.
    anchor_tf: float = 0.25
    # Articles whose latest named years are this far apart are rarely about one event (the same
    # coach fired twice, the same boxer's next fight): an article this far from most of a story's
    # dated articles scores less against it. Most, not the latest: one member that names a later
    # year (next season, a wrong join) would otherwise move the whole story's time for good.
    year_gap: int = 2
    year_penalty: float = 0.7
    # An article and a story that both name figures (numbers, dates) and share none of them:
    # reports of one event agree on some of its figures, two events of one topic have their own.
    figure_penalty: float = 0.7
    max_terms: int = 200
    max_anchors: int = 100
    common_share: float = 0.25  # keys in more of the recent articles do not select candidates
    common_after: int = 50  # ... once this many articles have been seen (before, every key is common)
    max_stories: int = 200_000


@dataclass(slots=True)
class Story:
    id: str
    updated: float
    size: int = 0
    langs: set[str] = field(default_factory=set)
    # Its articles' latest named years -> how many name each; keys as text, as the changelog's JSON
    # has them (state.py), so a restored story is the same.
    years: dict[str, int] = field(default_factory=dict)
    terms: Vector = field(default_factory=dict)
    anchors: Vector = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    term_norm: float = 0.0
    anchor_norm: float = 0.0


@dataclass(slots=True)
class Assignment:
    story_id: str
    score: float
    reason: list[str]
    created: bool


_TERMS: Callable[[Story], Vector] = attrgetter("terms")
_ANCHORS: Callable[[Story], Vector] = attrgetter("anchors")


def new_story_id(article_id: str) -> str:
    return "story-" + hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).hexdigest()


def _unit(bag, df: DocumentFrequencies, tf: float = 1.0) -> Vector:
    vec = {k: (1.0 + tf * math.log(n)) * df.idf(k) for k, n in bag.items() if n > 0}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {k: v / norm for k, v in vec.items()}


def _norm(vec: Vector) -> float:
    return math.sqrt(sum(v * v for v in vec.values())) or 1.0


_FIGURES = ("#", "%")  # numbers and dates (day and month)


def _figures_apart(figures: list[str], anchors: Vector) -> bool:
    """Both sides name figures and share none."""
    return not any(k in anchors for k in figures) and any(k[0] in _FIGURES for k in anchors)


def _reason(story: Story, parts: Vector, n: int = 5) -> list[str]:
    """The `n` shared keys that gave most, as a reader knows them; a name that counted both as a
    word and as an anchor ("cheeks", "Cheeks") is named once."""
    out: dict[str, str] = {}
    for k, _ in sorted(parts.items(), key=lambda kv: -kv[1]):
        label = story.labels.get(k, k)
        out.setdefault(label.casefold(), label)
        if len(out) == n:
            break
    return list(out.values())


class StoryIndex:
    def __init__(self, params: Optional[StoryParams] = None, recording: bool = False):
        """`recording`: the tables and stories note what changes, for the changelog (state.py)."""
        self.p = params or StoryParams()
        table = partial(DocumentFrequencies, recording=recording)
        self.df = table()  # anchors, over every article
        # Words, per language: in a stream of many languages each one's function words are in
        # few articles, so one table over all would rate Korean "and" or Hindi "is" as rare.
        self.term_df: dict[str, DocumentFrequencies] = defaultdict(table)
        self.names = table()  # skeletons cased-script articles used as names
        self.stories: Journal = Journal(recording)  # least recently joined first
        # key -> the stories that hold it (id -> story, so scoring needs no second lookup)
        self._postings: dict[str, dict[str, Story]] = defaultdict(dict)

    def __len__(self) -> int:
        return len(self.stories)

    def assign(self, article_id: str, feats: Features, now: float) -> Assignment:
        self.expire(now)
        self.names.add(k for k in feats.anchors if k[0] == "~")
        heard = Counter({k: n for k, n in feats.caseless.items() if k in self.names.df})
        bag = feats.anchors + heard
        soft = heard.keys() - feats.anchors.keys()
        self.df.add(bag)
        term_df = self.term_df[feats.lang]
        term_df.add(feats.terms)
        for table in (self.df, self.names, *self.term_df.values()):
            table.tick()
        terms, anchors = _unit(feats.terms, term_df), _unit(bag, self.df, self.p.anchor_tf)
        best, score, parts = self._best(terms, anchors, term_df, feats)
        if best is None or score < self.p.threshold:
            story = Story(new_story_id(article_id), now)
            self.stories[story.id] = story
            self._add(story, terms, anchors, soft, feats, now)
            return Assignment(story.id, 1.0, [], True)
        reason = _reason(best, parts)
        self._add(best, terms, anchors, soft, feats, now)
        return Assignment(best.id, round(score, 4), reason, False)

    def _best(self, terms: Vector, anchors: Vector, term_df: DocumentFrequencies, feats: Features
              ) -> tuple[Optional[Story], float, Vector]:
        """The best story, its score and what each shared key gave."""
        t_dot = self._dots(terms, term_df, _TERMS)
        a_dot = self._dots(anchors, self.df, _ANCHORS)
        best, best_score = None, 0.0
        figures = [k for k in anchors if k[0] in _FIGURES]
        for sid in set(t_dot) | set(a_dot):
            s = self.stories[sid]
            t, a = t_dot.get(sid, 0.0) / s.term_norm, self.p.anchor_weight * a_dot.get(sid, 0.0) / s.anchor_norm
            # Words are evidence only beside a member in the same language; there they must agree
            # with the anchors (same topic is not same event), elsewhere the anchors decide alone.
            score = (t + a) / 2 if feats.lang in s.langs else a
            if feats.year and s.years and self._years_apart(feats.year, s.years):
                score *= self.p.year_penalty
            # (only where it could change the answer: the check reads the story's anchors)
            if figures and score >= max(self.p.threshold, best_score) and _figures_apart(figures, s.anchors):
                score *= self.p.figure_penalty
            if best is None or score > best_score:
                best, best_score = s, score
        if best is None:
            return None, 0.0, {}
        parts = {k: w * best.anchors[k] / best.anchor_norm for k, w in self._counted(anchors, self.df)
                 if k in best.anchors}
        for k, w in self._counted(terms, term_df):
            if k in best.terms:
                parts[k] = w * best.terms[k] / best.term_norm
        return best, best_score, parts

    def _years_apart(self, year: int, years: dict[str, int]) -> bool:
        """Fewer than half of the story's dated articles name a latest year near this one."""
        near = sum(n for y, n in years.items() if abs(int(y) - year) < self.p.year_gap)
        return 2 * near < sum(years.values())

    def _counted(self, vec: Vector, df: DocumentFrequencies) -> Iterator[tuple[str, float]]:
        """The keys that count: those in a large share of recent articles ("the", "said") are in
        every story, so they neither select candidates nor explain a join."""
        if df.docs < self.p.common_after:
            yield from vec.items()
            return
        for k, w in vec.items():
            if df.share(k) <= self.p.common_share:
                yield k, w

    def _dots(self, vec: Vector, df: DocumentFrequencies, side: Callable[[Story], Vector]) -> dict[str, float]:
        """Dot products of `vec` with every story that shares a counted key with it, by story id."""
        dots: dict[str, float] = defaultdict(float)
        postings = self._postings
        for k, w in self._counted(vec, df):
            for sid, story in postings.get(k, {}).items():
                dots[sid] += w * side(story)[k]  # a posting means the story holds the key
        return dots

    def _add(self, story: Story, terms: Vector, anchors: Vector, soft: set[str], feats: Features, now: float) -> None:
        for vec, side, cap in ((terms, story.terms, self.p.max_terms), (anchors, story.anchors, self.p.max_anchors)):
            for k, w in vec.items():
                if k not in side:
                    if k in soft:
                        continue
                    self._postings[k][story.id] = story
                side[k] = side.get(k, 0.0) + w
            if len(side) > 2 * cap:
                for k in sorted(side, key=side.__getitem__)[: len(side) - cap]:
                    del side[k]
                    story.labels.pop(k, None)
                    self._unpost(k, story.id)
        for k in feats.labels.keys() & story.anchors.keys() - story.labels.keys():
            story.labels[k] = feats.labels[k]
        story.term_norm, story.anchor_norm = _norm(story.terms), _norm(story.anchors)
        story.size += 1
        story.langs.add(feats.lang)
        if feats.year:
            key = str(feats.year)
            story.years[key] = story.years.get(key, 0) + 1
        story.updated = now
        self.stories.move_to_end(story.id)

    def restore(self, story: Story) -> None:
        """Puts a story back as the changelog had it (it joins the end: restore in log order)."""
        self.stories[story.id] = story
        for k in (*story.terms, *story.anchors):
            self._postings[k][story.id] = story

    def _unpost(self, key: str, sid: str) -> None:
        ids = self._postings.get(key)
        if ids is not None:
            ids.pop(sid, None)
            if not ids:
                del self._postings[key]

    def touch(self, story_id: str, now: float) -> bool:
        """A duplicate keeps its story warm without changing what the story is about."""
        story = self.stories.get(story_id)
        if story is None:
            return False
        story.size += 1
        story.updated = now
        self.stories.move_to_end(story_id)
        return True

    def expire(self, now: float) -> None:
        while self.stories:
            story = next(iter(self.stories.values()))
            if now - story.updated <= self.p.window_s and len(self.stories) <= self.p.max_stories:
                return
            del self.stories[story.id]
            for k in list(story.terms) + list(story.anchors):
                self._unpost(k, story.id)
