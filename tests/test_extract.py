import pytest

from agents.extract import extract
from agents.stage import StageError
from schemas import RawItem

PAGE = """<html><head><title>Bridge reopens | Gazette</title>
<meta property="article:published_time" content="2025-03-14T08:30:00Z"></head>
<body><nav><a href="/">Home</a> | <a href="/sport">Sport</a></nav>
<article><h1>Bridge reopens after repairs</h1>
<p>The Harbour Bridge in Aarhus reopened to traffic on Friday after two years of repairs.</p>
<p>Engineers found corrosion in the steel supports in 2023 and closed the bridge to cars.</p>
</article><footer>© 2025 Gazette. All rights reserved.</footer></body></html>"""


def test_html_main_text_title_and_date():
    article = extract(RawItem(id="p", html=PAGE))
    assert "reopened to traffic on Friday" in article.body
    assert "corrosion in the steel supports" in article.body
    assert "All rights reserved" not in article.body and "Sport" not in article.body
    assert article.title and "Bridge reopens" in article.title
    assert article.published_at and article.published_at.startswith("2025-03-14")
    assert article.processing.extract.method == "trafilatura"
    assert 0 < article.processing.extract.kept_ratio < 1


def test_text_input_is_kept_verbatim(bbc_text):
    article = extract(RawItem(id="b", text=bbc_text))
    assert article.body == bbc_text
    assert article.processing.extract.method == "text"


def test_item_title_wins_over_page_title():
    assert extract(RawItem(id="p", html=PAGE, title="Crawler title")).title == "Crawler title"


@pytest.mark.parametrize(
    "item,reason",
    [
        (RawItem(id="e", text="  \n\n "), "empty-body"),
        (RawItem(id="b", text="ab\x00\x01\x02\x03cd" * 10), "binary-content"),
        (RawItem(id="n", html="<html><body><div><img src=\"a.png\"></div></body></html>"), "empty-extraction"),
    ],
)
def test_unusable_input_raises_with_reason(item, reason):
    with pytest.raises(StageError) as err:
        extract(item)
    assert err.value.reason == reason
