import os

import pytest

from newsflow.agents import language as L
from newsflow.agents.language import detect_language, hint_agrees, identify, make_stage, script_of
from newsflow.agents.language.identifier import default_identifier
from newsflow.agents.segment import paragraphs as segment_paragraphs
from newsflow.schemas import Article, Span


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
    assert result.script


@pytest.mark.parametrize(
    "text",
    ["12345 678.90", "https://t.co/ 2024-01-01", "🙂🙂🎉", "  \n ", "", "def f(x): return {x: [1, 2]}; y = f(3)"],
)
def test_no_language_is_und(text):
    result = identify(text)
    assert result.code == "und" and result.confidence == 0.0


@pytest.mark.parametrize(
    "text,code,script",
    [
        ("习近平周二在北京会见了来访的外国领导人。", "zh", "Hans"),
        ("習近平週二在北京會見了來訪的外國領導人。", "zh", "Hant"),
        ("Влада Србије је у уторак усвојила нови закон о раду и платама.", "sr", "Cyrl"),
        ("Η κυβέρνηση ανακοίνωσε την Τρίτη νέα μεταρρύθμιση.", "el", "Grek"),
        ("政府は火曜日に新しい年金改革を発表した。", "ja", "Jpan"),
        ("정부는 화요일 새로운 연금 개혁을 발표했다.", "ko", "Kore"),
        ("รัฐบาลประกาศการปฏิรูปบำนาญใหม่ในวันอังคาร", "th", "Thai"),
    ],
)
def test_scripts_and_variants(text, code, script):
    result = identify(text)
    assert (result.code, result.script) == (code, script)


def test_cantonese_is_not_mandarin():
    assert identify("佢哋琴日喺香港開會，講咗好多嘢，但係冇結果。").code == "yue"


def test_long_text_goes_fast_path_with_high_confidence():
    text = (
        "The government announced on Tuesday a new reform of the pension system, which will raise "
        "the retirement age by two years over the next decade, officials said. Unions have called "
        "for strikes across the country in response to the announcement."
    )
    result = identify(text)
    assert result.code == "en" and result.confidence >= 0.9 and result.script == "Latn"


def test_odds_say_how_close_a_language_comes_to_the_leader():
    leader = identify("the minister said on Tuesday").code
    assert L.odds("the minister said on Tuesday", leader) == 1.0
    assert L.odds("le président a rencontré son homologue", "en") < 0.1
    assert 0.0 <= L.odds("minute", "en") <= 1.0


def test_hint_code_takes_the_language_part_of_a_hint():
    assert [L.hint_code(h) for h in ("fr-CA", "en_GB", "DE", "", None)] == ["fr", "en", "de", None, None]


def test_script_of():
    assert script_of("Hello") == "Latn"
    assert script_of("Привет") == "Cyrl"
    assert script_of("123") is None


def test_hint_is_a_prior_not_an_order():
    english = "The government announced on Tuesday a new reform of the pension system, officials said."
    art = detect_language(Article(id="h", body=english, lang_hint="de"))
    assert art.language.code == "en"
    assert any("lang_hint" in n for n in art.processing.notes)
    assert hint_agrees("de", art.language) is False and hint_agrees("en-GB", art.language) is True
    assert hint_agrees(None, art.language) is None
    # on an ambiguous single word the hint decides
    assert identify("Kind", hint="de").code == "de"


def test_quoted_paragraph_in_another_language_is_a_span():
    body = (
        "The minister spoke to reporters after the meeting in Paris on Tuesday evening, and he said the "
        "talks had been difficult but useful for both sides.\n\n"
        "« Nous sommes très heureux de cette rencontre historique entre nos deux pays », a déclaré le ministre.\n\n"
        "The talks will continue next week in Berlin, according to officials from both delegations."
    )
    art = detect_language(Article(id="q", body=body))
    assert art.language.code == "en"
    french = [s for s in art.language_spans if s.code == "fr"]
    assert len(french) == 1
    assert body[french[0].start : french[0].end].startswith("« Nous sommes")
    assert 0.0 < french[0].confidence <= 1.0 and french[0].script == "Latn"


def test_cjk_name_in_english_is_a_script_span(wire_text):
    art = detect_language(Article(id="w", body=wire_text))
    assert art.language.code == "en"
    runs = [s for s in art.language_spans if wire_text[s.start : s.end] == "習近平"]
    assert runs and all(s.code == "zh" and s.script == "Hant" for s in runs)


def test_given_paragraphs_are_used():
    body = "Hello there, this is an English paragraph about the weather today, and it is the longer one of the two.\nBonjour tout le monde, il fait beau aujourd'hui à Paris."
    cut = body.index("\n")
    art = Article(id="p", body=body, paragraphs=[Span(0, cut), Span(cut + 1, len(body))])
    art = detect_language(art)
    assert [(s.start, s.end) for s in art.language_spans if s.code == "fr"] == [(cut + 1, len(body))]


def test_stage_sets_article_language(bbc_text):
    article = detect_language(Article(id="b", body=bbc_text))
    assert article.language.code == "en"
    assert article.language.script == "Latn"


def test_stage_has_warm_up():
    stage = make_stage()
    assert stage.name == "language" and stage.warm_up is not None


DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "langid", "ntrex_paragraphs.jsonl.gz")


@pytest.mark.skipif(not os.path.exists(DATA), reason="../shared/data/langid not present")
def test_ntrex_sample_accuracy_and_calibration():
    import gzip
    import json

    seen, rows = {}, []
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        for line in f:
            it = json.loads(line)
            if seen.get(it["lang"], 0) < 3:
                seen[it["lang"]] = seen.get(it["lang"], 0) + 1
                rows.append(it)
    out = [(identify(it["text"]), it["lang"]) for it in rows]
    acc = sum(r.code == g for r, g in out) / len(out)
    confident = [r.code == g for r, g in out if r.confidence >= 0.9]
    assert acc >= 0.85
    assert sum(confident) / len(confident) >= 0.95


def test_ngram_keys_match_the_reference_ngrams():
    import collections

    import numpy as np

    from newsflow.agents.language import ngram_model as N

    m = N.load_model()
    vocab = {}
    for text in ["Vlada Srbije je u utorak usvojila novi zakon.", "Kerajaan  mengumumkan reformasi, 12 x!",
                 "Влада Србије је у уторак", "a", "", "习近平周二在北京"]:
        want = collections.Counter(g for g in N.ngrams(text) if len(g) <= N.MAX_N)
        got = collections.Counter(N._text_keys(text).tolist())
        assert sum(want.values()) == sum(got.values())
        keys = N._keys_of_vocab(np.array(list(want) or ["x"], dtype="<U4"))
        assert collections.Counter(dict(zip(keys.tolist(), want.values()))) == got or not want
        vocab.update(want)
    s = m.scores("Vlada Srbije je u utorak usvojila novi zakon o radu.", ["hr", "bs", "sr"])
    assert set(s) == {"hr", "bs", "sr"} and all(v < 0 for v in s.values())


def test_lingua_is_narrowed_to_cld2_candidates_on_longer_latin_text():
    from newsflow.agents.language import lingua_scores as S

    details = [("es", 90, 1000), ("ca", 10, 500)]
    det = S.narrowed(details, "Latn", 150)
    assert det is not None and det is S.narrowed(details, "Latn", 150)  # built once
    assert S.narrowed(details, "Latn", 20) is None and S.narrowed(details, "Cyrl", 150) is None
    vals = S.lingua_values("El gobierno anunció el martes una nueva reforma de las pensiones "
                            "que elevará la edad de jubilación", "Latn", details, 150)
    assert vals[0][0] == "es" and {c for c, _ in vals} <= {"es", "ca", "pt", "en"}


def test_four_gram_view_has_no_five_letter_words():
    from newsflow.agents.language.lingua_scores import four_gram_view

    view = four_gram_view("Die Regierung hat am Dienstag")
    assert view.split()[:4] == ["Die", "Regi", "egie", "gier"]
    assert max(len(w) for w in view.split()) == 4


@pytest.mark.parametrize("text,code", [
    ("order animals", "en"), ("jednoho nejširších", "cs"), ("ponderada titulació", "ca")])
def test_word_frequencies_settle_short_text(text, code, monkeypatch):
    assert identify(text).code == code
    # The same text without the word-list evidence: lingua's n-grams alone get it wrong.
    identifier = default_identifier()
    tables = {k: {**t, "lex": 0.0} for k, t in identifier.bias.items()}
    monkeypatch.setattr(identifier, "bias", tables)
    assert identify(text).code != code


def test_word_lists():
    from newsflow.agents.language.word_evidence import word_lists

    lists = word_lists()
    assert lists.mean_zipf(["the"], "en") > 7 > lists.mean_zipf(["the"], "de")
    assert lists.mean_zipf(["kuća"], "hr") == lists.mean_zipf(["kuća"], "sr") > 4  # one Serbo-Croatian list
    assert lists.mean_zipf(["zzqxv"], "en") == 0.0
    assert lists.mean_zipf(["og"], "nn") is None  # no list: the fitted default stands in


def test_one_language_character_rule_does_not_overrule_cld2_on_a_sentence():
    # lingua answers Kazakh outright (its rule for "і"); CLD2, reading the whole sentence, says Ukrainian.
    text = "Найменш нещасні серед них ті, що здитиніли і остаточно втратили пам'ять."
    assert identify(text).code == "uk"


def test_full_ngrams_setting_gives_lingua_the_text_itself(monkeypatch):
    from newsflow.agents.language import lingua_scores
    from newsflow.streams.config import Settings

    viewed = []
    monkeypatch.setattr(lingua_scores, "four_gram_view", lambda text: viewed.append(text) or text)
    make_stage(Settings(lang_full_ngrams=True))(Article(id="f", body="Die Regierung"))
    assert viewed == []
    make_stage(Settings())(Article(id="f", body="Die Regierung"))
    assert viewed == ["Die Regierung"]


def test_identifier_reads_the_bias_table_it_is_given(tmp_path):
    import json

    from newsflow.agents.language import LanguageIdentifier

    shipped = LanguageIdentifier()
    table = tmp_path / "bias.json"
    table.write_text(json.dumps({k: {**t, "lex": 0.0} for k, t in shipped.bias.items()}), encoding="utf-8")
    assert shipped.identify("order animals").code == "en"
    assert LanguageIdentifier(bias_path=str(table)).identify("order animals").code != "en"


_ENGLISH_PARAGRAPHS = [
    "The government announced on Tuesday a new reform of the pension system, which will raise the "
    "retirement age by two years over the next decade, officials said.",
    "Unions have called for strikes across the country in response to the announcement, and several "
    "opposition parties said they would vote against the bill when it reaches parliament next month.",
    "Barcelona, Bayern Munich, Porto, Real Madrid, Werder Bremen.",
    "The finance minister told reporters that the changes were needed to keep the system solvent as the "
    "population ages, and that the savings would be spent on health care and schools.",
]


def _spans_called_with(monkeypatch):
    from newsflow.agents.language import stage

    calls = []
    real = stage.language_spans
    monkeypatch.setattr(stage, "language_spans", lambda *a, **k: calls.append(k.get("agreed")) or real(*a, **k))
    return calls


def test_long_article_in_one_language_takes_the_fast_path_with_the_careful_answer(monkeypatch):
    from newsflow.agents.language.spans import language_spans

    body = "\n\n".join(_ENGLISH_PARAGRAPHS)
    calls = _spans_called_with(monkeypatch)
    art = detect_language(Article(id="fast", body=body))
    assert calls == [True]  # CLD2 found English alone in the body: paragraphs are not asked one by one
    identifier = default_identifier()
    paras = [(p.start, p.end) for p in segment_paragraphs(body)]
    careful = language_spans(body, paras, art.language, identifier, agreed=False)
    assert art.language.code == "en" and art.language_spans == careful == []


def test_fast_path_still_marks_a_paragraph_cld2_is_sure_is_foreign(monkeypatch):
    # Hindi news with a Nepali paragraph: CLD2 calls the whole body Hindi alone, but is sure of the
    # paragraph on its own.
    hindi = ("सरकार ने मंगलवार को पेंशन प्रणाली में एक नए सुधार की घोषणा की, जिससे अगले दशक में सेवानिवृत्ति की "
             "आयु दो वर्ष बढ़ जाएगी, अधिकारियों ने कहा। ")
    nepali = ("प्रहरीले भिडन्त रोक्न लाठी चार्ज गर्‍यो र धेरै मानिसहरू घाइते भए, तर सरकारले अहिलेसम्म कुनै "
              "प्रतिक्रिया दिएको छैन भनेर स्थानीय बासिन्दाहरूले बताए।")
    body = "\n\n".join([hindi * 3, hindi * 2, nepali, hindi * 3])
    calls = _spans_called_with(monkeypatch)
    art = detect_language(Article(id="ne", body=body))
    assert art.language.code == "hi"
    start = body.index(nepali)
    assert calls == [True]  # the fast path
    assert [(s.start, s.end, s.code) for s in art.language_spans] == [(start, start + len(nepali), "ne")]


def test_japanese_and_korean_letters_are_not_spans_of_their_own_documents():
    ja = "政府は火曜日に新しい年金改革を発表した。労働組合は全国でストライキを呼びかけた。\n\nBBC によると、改革は来年から実施される。"
    art = detect_language(Article(id="ja", body=ja))
    assert art.language.code == "ja"
    assert [ja[s.start : s.end] for s in art.language_spans] == ["BBC"]
    ko = "정부는 화요일 새로운 연금 개혁을 발표했다. 노조는 전국적인 파업을 촉구했다."
    assert detect_language(Article(id="ko", body=ko)).language_spans == []
