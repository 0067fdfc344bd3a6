import pytest

from agents.language import detect_language, identify
from schemas import Article


@pytest.mark.parametrize(
    "text,code",
    [
        ("Serbian and Kosovo Albanian leaders have failed to reach agreement at talks.", "en"),
        ("Le gouvernement a annoncé mardi une nouvelle réforme des retraites.", "fr"),
        ("Un incendio forestal obligó el martes a evacuar a unos 300 vecinos.", "es"),
        ("Die Regierung hat am Dienstag eine neue Rentenreform angekündigt.", "de"),
        ("Серби и косовские албанцы не смогли договориться о статусе края.", "ru"),
        ("习近平周二在北京会见了来访的外国领导人。", "zh"),
    ],
)
def test_identifies_common_news_languages(text, code):
    result = identify(text)
    assert result.code == code
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.parametrize("text", ["12345 678.90", "https://t.co/ 2024-01-01", "🙂🙂🎉", "  \n ", ""])
def test_no_language_is_und(text):
    result = identify(text)
    assert result.code == "und" and result.confidence == 0.0


def test_stage_sets_article_language(bbc_text):
    article = detect_language(Article(id="b", body=bbc_text))
    assert article.language.code == "en"
