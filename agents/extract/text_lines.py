"""One line of plain text, out of context: its class (`classify_line`) and the cues it gives
about where a story starts or ends (cut off, unended, page furniture, a kicker).

Works on whole lines only, so every kept line is a verbatim piece of the input. Each line
gets a class from rules and simple features (word count, terminal punctuation, share of
capitalised words):

* `junk`: matched by a rule anywhere (share/follow links, "watch ..." promos, timestamps
  and "Last Updated" lines, legal lines, "Advertisement", "Read more"/"Related" teasers,
  photo credits and "Image caption" lines, bylines, region/section menus).
* `content`: a paragraph (>= 6 words ending a sentence with `.`/`!` or a closed quote,
  >= 10 words ending in `?`, or >= 20 words).
* otherwise `short` (headlines, captions, subheads, teasers, pull quotes).
"""
from __future__ import annotations

import re

from newsflow.agents.extract.dates import parse_human_date

_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_TERMINAL = re.compile(r"[.!?…:\"”’'»)\]]\s*$")

_JUNK_RULES = [
    # legal and site furniture
    r"\bis not responsible for the content of external",
    r"\ball rights reserved\b", r"^\s*(©|\(c\)|copyright\b)", r"\bcopyright\s+(©\s*)?\d{4}",
    r"^\s*(terms (of|and) (use|service|conditions)|privacy policy|cookie (policy|settings)|contact us|about us)\b",
    r"^\s*(skip to (main )?content|back to top|top of page|jump to)\b",
    r"\b(we use cookies|accept (all )?cookies)\b",
    # promos, share and follow
    r"^\s*(watch|listen)\b[^.!?]{0,70}$", r"^\s*(video|audio|live|play)\s*(:|\||$)",
    r"^\s*(share|tweet|email|print|facebook|twitter|whatsapp|linkedin|pinterest|reddit|copy link|partager|imprimer)"
    r"(\s*(this|the)?\s*(article|story|page|link|on \w+))?\s*([|•·,/]\s*\w+\s*)*$",
    r"^\s*(follow us|subscribe|sign up|newsletter|download (our|the) app|get the app|log ?in|sign in)\b[^.]{0,80}$",
    r"^\s*(advertisement|advertising|sponsored( content)?|publicité|promoted|ad)\s*$",
    # teasers and cross-links
    r"^\s*(read more|more on this story|more from|see also|also read|you may also like|lire aussi|à lire aussi|"
    r"soma pia|habari zaidi)\b",
    r"^\s*(related( stories| articles| content| topics| links)?|recommended|most read|most popular|top stories)"
    r"\s*(:|\||$)",
    r"^\s*(click here|tap here|find out more)\b",
    # credits, captions with a label (timestamps and bylines: DATE_LINE, _BYLINE)
    r"^\s*(image|photo|picture|media) (caption|source|copyright|credit)\b",
    r"^\s*(photo|image|picture|video|graphic)s?\s*(:|by\b)",
    r"\b(getty images|afp|reuters|ap photo|epa|pa media|shutterstock)\s*\)?\s*$",
]
_JUNK = re.compile("|".join(f"(?:{r})" for r in _JUNK_RULES), re.I)
_LEGAL = re.compile("|".join(f"(?:{r})" for r in _JUNK_RULES[:6]), re.I)
_SECTION = re.compile(r"^\s*(most (read|popular|viewed)|top stories|related (topics|stories)|more stories)\s*$", re.I)
# a bare date/time line: "20 November 2007", "19:09 GMT", "2 hours ago"
_DATE_ONLY = re.compile(
    r"^\s*([A-Za-z]+,?\s+)?(\d{1,2}\s+[A-Za-zéû]+\.?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})([,\s]+(at\s+)?\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?(\s*[A-Z]{2,4})?)?\s*$"
    r"|^\s*\d+\s+(minutes?|hours?|days?|weeks?)\s+ago\s*$",
    re.I,
)
_SEPARATED_MENU = re.compile(r"^\s*[^|•·›»]{1,30}(\s*[|•·›»]\s*[^|•·›»]{1,30}){2,}\s*$")
# How a paragraph ends (a headline may end in a quote or a question mark, a paragraph rarely
# ends in a bare quote unless the sentence inside it ended)
SENTENCE_END = re.compile(r"[.!…]['\"”’»)\]]*\s*$|[.!?,]['\"”’»]\s*$")
_QUESTION_END = re.compile(r"\?['\"”’»)\]]*\s*$")
_ENTITY_END = re.compile(r"&#?\w+;$")  # "&lt;" left by a scraper is no cut-off comma
_PUNCT = re.compile(r"[^\w\s&]")
_RULER = re.compile(r"^\s*[-=*_#~+•·]{3,}\s*$")
_MENU_GLUE = {"and", "&", "of", "the", "de", "la", "le", "et", "des", "na", "ya", "za", "-", "+"}
DATE_LINE = re.compile(
    r"^\s*(last updated|updated|published|posted|first published|modified|mis à jour|publié le|date)\b", re.I
)
_CLOCK = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\bago\b", re.I)
# "By John Smith", "By Amina Yusuf, BBC News, Nairobi": names in capitals (case-sensitive)
_BYLINE = re.compile(
    r"^\s*(?:[Bb]y|BY|[Pp]ar|PAR|[Vv]on|[Pp]or)\s+[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|de|van|von|da|al|bin))"
    r"{0,3}\s*(?:,\s*[A-Z][\w ]{0,40}){0,3}$"
)

# Words a cut-off line tends to end on (en, fr, sw): a whole paragraph never ends on them.
FUNCTION_WORDS = set(
    """a an the of to in on at by for from with and or but nor as that which who whom whose than
    would will could should can may might must shall is are was were be been being has have had do does did
    not his her its their our your my this these those such into onto about after before during while
    when where if because although though since until unless over under between among against
    they he she it we you i them him us whether both either very more less so
    le la les un une des du de au aux et ou mais que qui dont dans sur par pour avec sans est sont était
    ya wa za la kwa na katika kuwa ni""".split()
)
# an upper-case kicker opening a paragraph: "ALLIES: ...", "EUROPEAN FUTURE?"
KICKER = re.compile(r"^\s*[A-ZÀ-Ý][A-ZÀ-Ý0-9'’\-]+(?:\s+[A-ZÀ-Ý0-9'’\-]+){0,4}\s*[:?!]\s+\S")

CONTENT, SHORT, JUNK, BLANK = "content", "short", "junk", "blank"


def line_words(line: str) -> list[str]:
    return _WORD.findall(line)


def _is_menu(line: str, words: list[str]) -> bool:
    if _SEPARATED_MENU.match(line) and len(words) <= 20:
        return True
    if len(words) < 5 or _PUNCT.search(line) or line.isupper():  # an all-caps line is a heading
        return False
    return all(w[0].isupper() or w.lower() in _MENU_GLUE for w in words)


def classify_line(line: str) -> str:
    """`blank`, `junk`, `content` or `short` for one line, out of context."""
    if not line.strip():
        return BLANK
    words = line_words(line)
    if not words:
        return JUNK if _RULER.match(line) else SHORT
    if len(words) <= 25 and (
        _JUNK.search(line) or _DATE_ONLY.match(line) or _BYLINE.match(line) or _is_menu(line, words)
        or is_date_line(line)
    ):
        return JUNK
    if len(words) >= 20 or (len(words) >= 6 and SENTENCE_END.search(line)) or (
        len(words) >= 10 and _QUESTION_END.search(line)
    ):
        return CONTENT
    return SHORT


def is_cut_off(line: str) -> bool:
    """A paragraph that stops mid-sentence: long, ending on a comma, dash or function word."""
    words = line_words(line)
    if len(words) < 15:
        return False
    tail = _ENTITY_END.sub("", line.rstrip())
    if tail.endswith((",", ";", "-", "–", "—")):
        return True
    if _TERMINAL.search(tail):
        return False
    return words[-1].lower() in FUNCTION_WORDS


def is_unended(line: str) -> bool:
    """A long paragraph with no end punctuation at all: a pull quote, or a story cut off."""
    return len(line_words(line)) >= 20 and not _TERMINAL.search(_ENTITY_END.sub("", line.rstrip()))


def opens_story(line: str) -> bool:
    """Could start a story: not a lower-case or punctuation continuation of the line before."""
    head = line.lstrip()[:1]
    return bool(head) and (head.isupper() or head.isdigit() or head in "\"“‘'«(")


def is_anchor(line: str) -> bool:
    """A content line that states something (not a question-ended, headline-like line)."""
    return not _QUESTION_END.search(line) or len(line_words(line)) >= 25


def closes_page(line: str) -> bool:
    """Furniture that closes a page: legal lines, "Most read" headings, menus."""
    words = line_words(line)
    return bool(_LEGAL.search(line) or _SECTION.match(line) or (words and _is_menu(line, words)))


def ends_page(line: str) -> bool:
    """Furniture between two pages: what closes one, or the next one's timestamp."""
    return closes_page(line) or bool(_DATE_ONLY.match(line)) or is_date_line(line)


def is_date_line(line: str) -> bool:
    """A "Last Updated"/"Published" line that holds a time or a date."""
    return bool(DATE_LINE.match(line) and (_CLOCK.search(line) or parse_human_date(line)))

