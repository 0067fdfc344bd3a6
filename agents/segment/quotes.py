"""Quotations inside a sentence that keep their inner stops (no sentence ends there)."""
from __future__ import annotations

import re

# A quotation that is part of a longer sentence keeps its inner stops:
# - followed by a bracketed source ('"Ei fu. Siccome ..." (Manzoni).');
# - a „...“ quotation (German and Central European style) closed by a comma before a
#   lower-case reporting clause ('„Prieskumy beriem na ľahkú váhu. V podstate ma to
#   nezaujíma,“ reagoval Matovič'), when it holds two sentences at most: news splits longer
#   ones, and most "..." and “...” quotations (docs/experiments-segment-extract.md);
# - in «...», the author's words between dashes («К чему ты готовишься? – спросила мама. –
#   Завтра ведь выходной»): Russian dialogue punctuation, one quoted utterance.
_QUOTE = re.compile(r'„[^„“”"\n]{3,400}?[“”]|«[^«»\n]{3,400}?»|“[^“”\n]{3,400}?”|"[^"\n]{3,400}?"')
_EMBED_MAX = 1  # inner boundaries a comma-closed quotation may hold
_AUTHOR_WORDS = re.compile(r"[?!,…] [–—] (?P<w>[^\W\d_])[^.!?«»]{0,80}?(?P<s>\.)(?= [–—] )")


def embedded_quotes(text: str, cuts: list) -> list:
    """`cuts` without the ones inside such quotations."""
    drop = set()
    for m in _QUOTE.finditer(text):
        a, b = m.span()
        after = text[b : b + 3]
        if after[:2] == " (":
            drop.update(c for c in cuts if a < c[0] < b - 1)
            continue
        if m.group()[0] == "«" and ("– " in m.group() or "— " in m.group()):
            # the author's words inside a quotation, between dashes, do not end the quoted speech
            for w in _AUTHOR_WORDS.finditer(text, a, b):
                if text[w.start("w")].islower():
                    drop.update(c for c in cuts if w.start("s") <= c[0] <= w.end())
        inner = m.group()[1:-1].rstrip()
        if m.group()[0] == "„" and inner.endswith(",") and after[:1] == " " and after[1:2].islower():
            inside = [c for c in cuts if a < c[0] < b - 1]
            if len(inside) <= _EMBED_MAX:
                drop.update(inside)
    return [c for c in cuts if c not in drop] if drop else cuts
