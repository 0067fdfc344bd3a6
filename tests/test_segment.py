import pytest

from agents.segment import paragraphs, segment
from schemas import Article, Language


def _sentences(body: str, lang: str = "en") -> list[str]:
    a = segment(Article(id="s", body=body, language=Language(lang, 1.0)))
    return [body[s.start : s.end] for s in a.sentences]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hi there. How are you?", ["Hi there.", "How are you?"]),
        ("Mr. Smith went to Washington. He arrived at 3 p.m. today.", ["Mr. Smith went to Washington.", "He arrived at 3 p.m. today."]),
        ("BRUSSELS\nThe talks failed. Both sides blamed each other.", ["BRUSSELS", "The talks failed.", "Both sides blamed each other."]),
    ],
)
def test_sentences(text, expected):
    assert _sentences(text) == expected


def test_offsets_index_the_body_and_stay_inside_paragraphs(bbc_text):
    a = segment(Article(id="b", body=bbc_text, language=Language("en", 1.0)))
    assert len(a.paragraphs) > 10 and len(a.sentences) >= len(a.paragraphs)
    for s in a.sentences:
        piece = bbc_text[s.start : s.end]
        assert piece == piece.strip() and piece
        assert any(p.start <= s.start and s.end <= p.end for p in a.paragraphs)
    assert [s.start for s in a.sentences] == sorted(s.start for s in a.sentences)


def test_paragraphs_skip_blank_lines():
    assert [(p.start, p.end) for p in paragraphs("One.\n\n  Two.  \n")] == [(0, 4), (8, 12)]


@pytest.mark.parametrize("body", ["", "....!!!???", "🙂" * 500, "a" * 20000, "x\x0by\x0cz"])
def test_never_crashes_on_odd_input(body):
    a = segment(Article(id="o", body=body, language=Language("und", 0.0)))
    for s in a.sentences:
        assert 0 <= s.start < s.end <= len(body)
