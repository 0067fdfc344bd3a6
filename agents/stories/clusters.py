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
from operator import itemgetter, mul
from typing import Iterable, Optional

from newsflow.agents.stories.features import Features
from newsflow.agents.stories.journal import Journal
from newsflow.agents.stories.weights import DocumentFrequencies

Vector = dict[str, float]
Counted = list[tuple[str, float]]  # a vector's keys that count (`StoryIndex._counted`), in its order


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
    # The lightest weight each vector's last cut kept (0.0 before its first): a new key lighter
    # than that is not added (see `StoryIndex._merge`).
    term_floor: float = 0.0
    anchor_floor: float = 0.0


@dataclass(slots=True)
class Assignment:
    story_id: str
    score: float
    reason: list[str]
    created: bool


def new_story_id(article_id: str) -> str:
    return "story-" + hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).hexdigest()


def _norm(vec: Vector) -> float:
    """Its length (1.0 when empty); `map` keeps the sum's order, so the same float as a loop."""
    return math.sqrt(sum(map(mul, vec.values(), vec.values()))) or 1.0


_FIGURES = ("#", "%")  # numbers and dates (day and month)


def _figures_apart(figures: list[str], anchors: Vector) -> bool:
    """Both sides name figures and share none."""
    return not any(k in anchors for k in figures) and any(k[0] in _FIGURES for k in anchors)


def _parts(story: Story, terms: Counted, anchors: Counted) -> Vector:
    """What each counted key the article shares with the story gave to their score."""
    parts = {k: w * story.anchors[k] / story.anchor_norm for k, w in anchors if k in story.anchors}
    for k, w in terms:
        if k in story.terms:
            parts[k] = w * story.terms[k] / story.term_norm
    return parts


def _years_apart(near: list[str], years: dict[str, int]) -> bool:
    """Fewer than half of the story's dated articles name a latest year in `near`."""
    return 2 * sum(years.get(y, 0) for y in near) < sum(years.values())


def _reason(story: Story, parts: Vector, n: int = 5) -> list[str]:
    """The `n` shared keys that gave most, as a reader knows them; a name that counted both as a
    word and as an anchor ("cheeks", "Cheeks") is named once."""
    out: dict[str, str] = {}
    for k, _ in sorted(parts.items(), key=itemgetter(1), reverse=True):  # (stable: ties keep their order)
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
        # key -> the stories that hold it, story id -> its weight there (the same as in the
        # story's terms or anchors, kept in step; a key is one or the other: anchors start with
        # "~", "@", "#" or "%", terms are words): scoring reads the weight with no second lookup,
        # and a dict of strings and floats is one the garbage collector does not track (dicts that
        # held Story objects, one per key, were much of what its full collections walked).
        self._postings: dict[str, dict[str, float]] = defaultdict(dict)

    def __len__(self) -> int:
        return len(self.stories)

    def assign(self, article_id: str, feats: Features, now: float) -> Assignment:
        self.expire(now)
        self.names.add({k for k in feats.anchors if k[0] == "~"})
        heard = {k: n for k, n in feats.caseless.items() if k in self.names.df}
        bag = Counter(feats.anchors)  # (a copy, then a few heard names: not `Counter.__add__`'s two loops)
        bag.update(heard)
        soft = heard.keys() - feats.anchors.keys()
        self.df.add(bag.keys())
        term_df = self.term_df[feats.lang]
        term_df.add(feats.terms.keys())
        for table in (self.df, self.names, *self.term_df.values()):
            table.tick()
        # tf-idf weights and their lengths: each vector is divided by its length where a pass over
        # it reads it anyway (the counted keys, the merge into a story), not in a pass of its own
        terms, anchors = term_df.weights(feats.terms), self.df.weights(bag, self.p.anchor_tf)
        norms = _norm(terms), _norm(anchors)
        counted = self._counted(terms, norms[0], term_df), self._counted(anchors, norms[1], self.df)
        best, score = self._best(*counted, anchors, feats)
        if best is None:
            story = Story(new_story_id(article_id), now)
            self.stories[story.id] = story
            self._add(story, terms, anchors, norms, soft, feats, now)
            return Assignment(story.id, 1.0, [], True)
        reason = _reason(best, _parts(best, *counted))
        self._add(best, terms, anchors, norms, soft, feats, now)
        return Assignment(best.id, round(score, 4), reason, False)

    def _best(self, terms: Counted, anchors: Counted, all_anchors: Vector, feats: Features
              ) -> tuple[Optional[Story], float]:
        """The best story and its score, among those that share a counted key and score at least
        the threshold (None and 0.0 when none does). Candidates come in the order the postings
        name them (not a set's, which hashing reorders in every process), so a tie goes to the
        same story wherever the state is replayed."""
        t_dot, a_dot = self._dots(terms), self._dots(anchors)
        p, stories, lang = self.p, self.stories, feats.lang
        near = self._near(feats.year)
        best, floor = None, p.threshold  # the score to beat: the threshold, then the best one's
        figures = [k for k in all_anchors if k[0] in _FIGURES]
        for sid in {**t_dot, **a_dot}:
            s = stories[sid]
            a = p.anchor_weight * a_dot.get(sid, 0.0) / s.anchor_norm
            # Words are evidence only beside a member in the same language; there they must agree
            # with the anchors (same topic is not same event), elsewhere the anchors decide alone.
            score = (t_dot.get(sid, 0.0) / s.term_norm + a) / 2 if lang in s.langs else a
            if score < floor:  # the penalties only lower a score: most candidates stop here
                continue
            if near and s.years and _years_apart(near, s.years):
                score *= p.year_penalty
            # (only where it could change the answer: the check reads the story's anchors)
            if figures and score >= floor and _figures_apart(figures, s.anchors):
                score *= p.figure_penalty
            if score > floor or (score == floor and best is None):
                best, floor = s, score
        return best, floor if best is not None else 0.0

    def _near(self, year: Optional[int]) -> list[str]:
        """The years less than `year_gap` from `year`, as a story's `years` name them (none
        without a year): looked up in each candidate, not each of its years parsed and compared."""
        if not year:
            return []
        return [str(y) for y in range(year - self.p.year_gap + 1, year + self.p.year_gap)]

    def _counted(self, vec: Vector, norm: float, df: DocumentFrequencies) -> Counted:
        """The keys that count, with their unit weights (`vec` / `norm`): those some story holds
        (picked by a C-level `filter`: on NTREX two in three keys of an article are in no story)
        and not in a large share of recent articles ("the", "said" are in every story, so they
        neither select candidates nor explain a join)."""
        share = self.p.common_share if df.docs >= self.p.common_after else math.inf
        return df.rare(filter(self._postings.__contains__, vec), vec, share, norm)

    def _dots(self, counted: Counted) -> dict[str, float]:
        """Dot products of a vector's counted keys with every story that holds one, by story id."""
        dots: dict[str, float] = defaultdict(float)
        postings = self._postings
        for k, w in counted:
            for sid, weight in postings[k].items():
                dots[sid] += w * weight
        return dots

    def _add(self, story: Story, terms: Vector, anchors: Vector, norms: tuple[float, float], soft: set[str],
             feats: Features, now: float) -> None:
        """Adds the article's vectors (tf-idf weights, divided by `norms` here) to the story."""
        p = self.p
        story.term_floor = self._merge(story, story.terms, terms, norms[0], soft, p.max_terms, story.term_floor)
        story.anchor_floor = self._merge(story, story.anchors, anchors, norms[1], soft, p.max_anchors,
                                         story.anchor_floor)
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

    def _merge(self, story: Story, side: Vector, vec: Vector, norm: float, soft: set[str], cap: int,
               floor: float) -> float:
        """Adds `vec` / `norm` to one of the story's vectors (`side`) and its postings, but no soft
        key that it lacks (one matches, never adds); a vector past twice its `cap` keys keeps its
        `cap` heaviest. Returns the side's floor, the lightest weight its last cut kept: a new key
        lighter than `floor` is not added, as the next cut would drop it unless later articles
        added to it first (weights only grow, so at least `cap` keys will be heavier). Where a
        story gathers many languages' words most of an article's are new to it and light, and
        were posted, sorted and unposted at the next cut for nothing. New keys are posted after
        the cut, so one cut at once is never posted and unposted either."""
        sid, postings = story.id, self._postings
        new = []
        for k, w in vec.items():
            w /= norm
            old = side.get(k)
            if old is not None:
                side[k] = postings[k][sid] = old + w
            elif w >= floor and k not in soft:
                side[k] = w
                new.append(k)
        if len(side) > 2 * cap:
            order = sorted(side, key=side.__getitem__)
            dropped = order[: len(side) - cap]
            floor = side[order[len(side) - cap]]
            for k in dropped:
                del side[k]
                story.labels.pop(k, None)
            self._unpost(dropped, sid)  # (a new key has no posting yet: nothing to take back)
        for k in new:
            w = side.get(k)
            if w is not None:
                postings[k][sid] = w
        return floor

    def restore(self, story: Story) -> None:
        """Puts a story back as the changelog had it (it joins the end: restore in log order)."""
        self.stories[story.id] = story
        for side in (story.terms, story.anchors):
            for k, weight in side.items():
                self._postings[k][story.id] = weight

    def _unpost(self, keys: Iterable[str], sid: str) -> None:
        postings = self._postings
        for key in keys:
            holders = postings.get(key)
            if holders is not None:
                holders.pop(sid, None)
                if not holders:
                    del postings[key]

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
            self._unpost([*story.terms, *story.anchors], story.id)
