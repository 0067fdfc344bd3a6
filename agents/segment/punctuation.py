"""Punctuation shared by the sentence rules: what closes a sentence, what may open a word."""
from __future__ import annotations

# Closing quotes and brackets (and the format marks that travel with them) after a stop.
CLOSE = "\"'”’“‘»)]}›」』）】〕〉》\u200e\u200f\u200b\u2069\u202c"
CLOSE_RUN = CLOSE + "\u00a0\u202f"  # French puts a no-break space before »
# Opening quotes and brackets stripped from a word before judging it.
WORD_LEAD = "\"'“‘«„‚([{‹¿¡\u200e\u200f\u202a\u202b\u202c"
# The sentence stops of every script.
BASE_TERMS = ".!?…‼⁇⁈⁉؟۔।॥։።፧။។៕჻。！？｡"


def prev_word(text: str, rs: int) -> str:
    """The word before position `rs`, looking at most 40 characters back."""
    k = rs - 1
    lo = max(0, rs - 40)
    while k >= lo and not text[k].isspace():
        k -= 1
    return text[k + 1 : rs]
