import base64
import gzip
import json

import orjson
import pytest

from newsflow.agents.extract import extract, make_stage
from newsflow.agents.extract.dates import parse_human_date
from newsflow.agents.extract.text_lines import classify_line
from newsflow.agents.ingest import normalise_text, parse_raw
from newsflow.agents.pipeline import Envelope, enrich_batch
from newsflow.agents.stage import StageError
from newsflow.schemas import Article, RawItem
from tests.conftest import SHARED

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
    assert article.processing.extract.method in ("fast", "trafilatura")
    assert 0 < article.processing.extract.kept_ratio < 1


CLEAN = [
    "The Harbour Bridge in Aarhus reopened to traffic on Friday after two years of repairs.",
    "Bridge reopens\n\nThe Harbour Bridge in Aarhus reopened to traffic on Friday after two years of repairs.\n\n"
    "Engineers found corrosion in the steel supports in 2023 and closed the bridge to cars.\n",
    "  Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn for the three months to December.\r\n"
    "The firm benefited from sales of high-speed internet connections and higher advert sales.\r\n\r\n"
    "Time Warner said on Friday that it now owns 8% of search-engine Google, which it bought into in 2004.\n",
    "Que ferions-nous d'un approvisionnement abondant, bon marché et inépuisable en énergies renouvelables ? "
    "Peut-être le dessalement de l'eau de mer réduirait-il les pénuries d'eau.",
    "Breaking",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_single_story_text_is_kept_verbatim(text):
    article = extract(RawItem(id="c", text=text))
    assert isinstance(article, Article)
    assert article.body == normalise_text(text)
    assert article.processing.extract.method == "text"
    assert not article.multi_story and not article.truncated


def test_clean_corpus_text_is_kept_verbatim():
    path = SHARED / "data" / "news_corpus" / "bbc_news.jsonl.gz"
    if not path.exists():
        pytest.skip("../shared is absent")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(300), f)]
    changed = [t[:60] for t in texts if not isinstance(r := extract(RawItem(id="x", text=t)), Article) or r.body != t]
    assert len(changed) <= 1, changed


def test_bbc_seed_keeps_the_story_and_drops_the_page(bbc_text):
    article = extract(RawItem(id="b", text=bbc_text))
    assert isinstance(article, Article)
    assert article.body.startswith("Serbian and Kosovo Albanian leaders have failed to reach agreement")
    assert article.body.endswith("avoid giving the new government legitimacy.")
    for junk in [
        "BBC News", "watch One-Minute World News", "Last Updated", "Election posters in Kosovo",
        "All of Kosovo's ethnic Albanian politicians support independence",
        "The BBC is not responsible for the content of external internet sites",
        "Has China's housing bubble burst?", "oldest clove tree", "Sergei Polunin",
        "Americas Africa Europe", "No agreement in Kosovo discussion",
    ]:
        assert junk not in article.body
    assert "'Hong Kong model'" in article.body  # a subhead inside the story stays
    assert article.title == "No agreement in Kosovo discussion"
    assert article.published_at == "2007-11-20T19:09Z"
    assert article.processing.extract.method == "text-lines"
    assert 0.8 < article.processing.extract.kept_ratio < 1
    # every kept line is a verbatim line of the input
    assert all(line in bbc_text.split("\n") for line in article.body.split("\n") if line)


def test_item_fields_win_over_text_metadata(bbc_text):
    article = extract(RawItem(id="b", text=bbc_text, title="T", published_at="2007-11-21"))
    assert (article.title, article.published_at) == ("T", "2007-11-21")


WIRE_STARTS = [
    "Kosovo Albanians rejected a reworked offer",
    "A new online voting system",
    "EUROPEAN FUTURE? Albanian Prime Minister",
    "ALLIES: Calling Putin",
    "Myanmar’s junta chief met",
]


def test_wire_seed_is_split_into_its_stories(wire_text):
    parts = extract(RawItem(id="w", text=wire_text))
    assert isinstance(parts, list) and len(parts) == 5
    assert [p.id for p in parts] == ["w#1", "w#2", "w#3", "w#4", "w#5"]
    for part, start in zip(parts, WIRE_STARTS):
        assert part.body.startswith(start)
        assert part.body in wire_text  # each story is a verbatim slice of the item
        assert part.processing.extract.method == "text-split"
    assert parts[0].body.endswith("Mikhail Kamynin said.")
    assert [p.truncated for p in parts] == [False, True, True, True, True]


def test_split_stories_pass_through_the_pipeline(wire_text):
    out = enrich_batch([make_stage()], [Envelope(orjson.dumps({"id": "w", "text": wire_text}))])
    assert [o.id for o in out] == ["w#1", "w#2", "w#3", "w#4", "w#5"]


def test_cut_off_single_story_is_flagged_truncated():
    text = (
        "The Harbour Bridge in Aarhus reopened to traffic on Friday after two years of repairs, the city said.\n"
        "Engineers found corrosion in the steel supports in 2023 and closed the bridge to cars while they"
    )
    article = extract(RawItem(id="t", text=text))
    assert article.body == text and article.truncated and not article.multi_story


@pytest.mark.parametrize(
    "line,cls",
    [
        ("watch One-Minute World News", "junk"),
        ("Last Updated: Tuesday, 20 November 2007, 19:09 GMT", "junk"),
        ("Share this article", "junk"),
        ("Advertisement", "junk"),
        ("© 2025 Gazette. All rights reserved.", "junk"),
        ("Home | News | Sport | Weather", "junk"),
        ("Related: Floods close schools across the region", "junk"),
        ("Image caption Election posters in Kosovo", "junk"),
        ("'Hong Kong model'", "short"),
        ("By John Smith", "junk"),
        ("By Amina Yusuf, BBC News, Nairobi", "junk"),
        ("Updated 2 hours ago", "junk"),
        # story lines that only look like furniture
        ("By the end of the year, profits rose", "short"),
        ("Published figures show a 5% rise in crime", "short"),
        ("Live music returns to the park", "short"),
        ("Recommended retail prices rose 3% last year, the survey found.", "content"),
        ("Related problems persist in the north", "short"),
        ("It lost 464,000 subscribers in the fourth quarter, the company said.", "content"),
        ("Serbs oppose this and the EU has warned Mr Thaci against unilateral action.", "content"),
    ],
)
def test_line_classes(line, cls):
    assert classify_line(line) == cls


@pytest.mark.parametrize(
    "text,iso",
    [
        ("Last Updated: Tuesday, 20 November 2007, 19:09 GMT", "2007-11-20T19:09Z"),
        ("Published March 3, 2014 at 5:30 pm EST", "2014-03-03T17:30-05:00"),
        ("Posted 2025-03-14T08:30:00", "2025-03-14T08:30:00"),
        ("Mis à jour le 12 janvier 2020", "2020-01-12"),
        ("no date here", None),
    ],
)
def test_human_dates(text, iso):
    assert parse_human_date(text) == iso


def test_html_metadata_from_json_ld_and_meta():
    page = """<html><head><title>Bridge | Gazette</title>
    <link rel="canonical" href="https://gazette.example/bridge">
    <meta property="og:site_name" content="The Gazette">
    <script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
      "headline":"Bridge reopens","datePublished":"2025-03-14T08:30:00Z",
      "author":[{"@type":"Person","name":"Ida Holm"}],"publisher":{"name":"Gazette Media"}}</script>
    </head><body><article><h1>Bridge reopens</h1>""" + "<p>The Harbour Bridge reopened to traffic on Friday after two years of repairs to its supports.</p>" * 8 + """
    </article></body></html>"""
    article = extract(RawItem(id="m", html=page))
    assert article.published_at == "2025-03-14T08:30:00Z"
    assert article.author == "Ida Holm"
    assert article.canonical_url == "https://gazette.example/bridge"
    assert article.site_name == "The Gazette"
    assert article.title == "Bridge reopens"
    assert "Harbour Bridge reopened" in article.body and article.processing.extract.method == "fast"


def test_html_time_element_gives_the_date():
    page = "<html><body><article><time datetime='2024-05-01T10:00:00+02:00'>1 May</time>" + (
        "<p>Officials said the new tram line opens next spring after a decade of planning and debate.</p>" * 8
    ) + "</article></body></html>"
    assert extract(RawItem(id="t", html=page)).published_at == "2024-05-01T10:00:00+02:00"


@pytest.mark.parametrize(
    "text,encoding,declared",
    [
        ("Café crème à la française, s’il vous plaît — déjà vu", "cp1252", None),
        ("Café crème à la française — déjà vu", "cp1252", "ISO-8859-1"),
        ("新华社北京电 国务院总理今天在人民大会堂会见了来访的外国客人，双方就经济合作交换了意见。", "gb18030", None),
        ("東京都は本日、新しい防災計画を発表しました。地震や台風への備えを強化します。", "shift_jis", "Shift_JIS"),
        ("Москва. Правительство России сегодня объявило о новых мерах поддержки экономики.", "koi8_r", None),
        ("Zürich: Über 100 Menschen demonstrierten für günstigere Wohnungen.", "utf-8", "iso-8859-1"),
        # short undeclared pages, where byte statistics alone go wrong
        ("Москва. Правительство России", "koi8_r", None),
        ("Привет, мир! Это тест кодировки.", "cp1251", None),
        ("東京都は本日、新しい防災計画を発表しました。", "shift_jis", None),
        ("Ελλάδα σήμερα η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία.", "cp1253", None),
        ("서울시는 오늘 새로운 교통 계획을 발표했다. 시민들은 환영했다.", "euc_kr", None),
    ],
)
def test_html_bytes_decoded_from_their_charset(text, encoding, declared):
    page = f"<html><head><meta charset='{declared or ''}'></head><body><p>{text}</p></body></html>"
    if declared is None:
        page = f"<html><body><p>{text}</p><p>{text}</p></body></html>"
    payload = orjson.dumps({"id": "c", "html_b64": base64.b64encode(page.encode(encoding)).decode(), "charset": declared})
    item = parse_raw(payload)
    assert text in item.html


def test_html_b64_that_is_not_base64_is_an_invalid_field():
    with pytest.raises(StageError) as err:
        parse_raw(b'{"id": "x", "html_b64": "not base64!!"}')
    assert err.value.reason == "invalid-field"


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


@pytest.mark.parametrize(
    "head,url,iso",
    [
        ('<meta name="pubdate" content="November 19, 2019, 07:47 PM EST">', None, "2019-11-19T19:47-05:00"),
        ('<meta property="article:published" content="2019-11-19 11:00:09">', None, "2019-11-19T11:00:09"),
        ('<meta property="article:published_time" content="0001-01-01T00:00:00Z">', "https://x.example/2019/11/19/story", "2019-11-19"),
        ('<meta name="sn-post-date" content="2019/11/19">', None, "2019-11-19"),
    ],
)
def test_html_dates_are_normalised(head, url, iso):
    from selectolax.lexbor import LexborHTMLParser

    from newsflow.agents.extract.html_metadata import metadata

    assert metadata(LexborHTMLParser(f"<html><head>{head}</head><body></body></html>"), url)["published_at"] == iso


def test_html_byline_meta_gives_the_author():
    from selectolax.lexbor import LexborHTMLParser

    from newsflow.agents.extract.html_metadata import metadata

    page = '<html><head><meta name="byl" content="By Jamelle Bouie"></head><body></body></html>'
    assert metadata(LexborHTMLParser(page))["author"] == "Jamelle Bouie"


def test_feed_dump_with_an_unended_story_is_split():
    first = (
        "The city council approved a new budget for road repairs on Monday after a long debate about "
        "potholes, bridges and the cost of asphalt, which has risen sharply since last winter. Council "
        "members said the repairs would start in spring and last for two years across all districts. Drivers "
        "and cyclists have complained for months about the state of the main roads in the old town and the "
        "harbour area near the station"
    )
    second = (
        "Astronomers using a large telescope in Chile have spotted a comet that will pass close to Earth "
        "next year. The comet, discovered in images taken in March, is expected to be visible with binoculars. "
        "Scientists said its icy nucleus is about five kilometres wide and its orbit takes it around the Sun "
        "every six thousand years. Amateur observers in the southern hemisphere will have the best view of it."
    )
    parts = extract(RawItem(id="d", text=first + "\n" + second))
    assert isinstance(parts, list) and [p.body for p in parts] == [first, second]
    assert [p.truncated for p in parts] == [True, False]


@pytest.mark.parametrize(
    "title,site,clean",
    [
        ("Nadal keeps Spain alive in Davis Cup Finals - Sportsnet.ca", "Sportsnet.ca", "Nadal keeps Spain alive in Davis Cup Finals"),
        ("Ukraine - Russia talks stall | BBC News", "BBC News", "Ukraine - Russia talks stall"),
        ("The Gazette | Bridge reopens", "The Gazette", "Bridge reopens"),
        ("Opinion | Republicans Are Following Trump to Nowhere", None, "Opinion | Republicans Are Following Trump to Nowhere"),
    ],
)
def test_page_title_loses_the_site_name(title, site, clean):
    from newsflow.agents.extract.html_metadata import _clean_title

    assert _clean_title(title, site) == clean


@pytest.mark.parametrize("order", ["bbc-first", "wire-first"])
def test_scraped_page_and_feed_dump_run_together(bbc_text, wire_text, order):
    text = bbc_text + "\n" + wire_text if order == "bbc-first" else wire_text + "\n" + bbc_text
    parts = extract(RawItem(id="m", text=text))
    assert isinstance(parts, list) and len(parts) == 6
    bbc = next(p for p in parts if p.body.startswith("Serbian and Kosovo Albanian leaders"))
    assert bbc.body.endswith("legitimacy.") and bbc.title == "No agreement in Kosovo discussion"
    assert bbc.published_at == "2007-11-20T19:09Z"
    others = [p for p in parts if p is not bbc]
    assert [p.body[:20] for p in others] == [s[:20] for s in WIRE_STARTS]
    assert all(p.published_at is None for p in others)
    for junk in ("Election posters", "Has China's housing", "Americas Africa", "not responsible"):
        assert all(junk not in p.body for p in parts)


def test_clean_text_headline_becomes_title_but_stays_in_the_body():
    text = "Bridge reopens after repairs\n\nThe Harbour Bridge in Aarhus reopened to traffic on Friday after two years of repairs."
    article = extract(RawItem(id="h", text=text))
    assert article.body == text and article.title == "Bridge reopens after repairs"
    short_lead = "It was a quiet night.\nThe Harbour Bridge in Aarhus reopened to traffic on Friday after two years of repairs."
    assert extract(RawItem(id="q", text=short_lead)).title is None


def test_deeply_nested_page_is_handled():
    block = '<div><a href="#">a</a><a>b</a><a>c</a><p>Some paragraph text that is long enough to count as content.</p>'
    article = extract(RawItem(id="n", html="<html><body>" + block * 3000 + "</div>" * 3000 + "</body></html>"))
    assert "Some paragraph text" in article.body
