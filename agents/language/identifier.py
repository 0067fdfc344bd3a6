"""language: which language the body is in, in which script, how sure we are, and where it changes.

Three detectors, each where it is strongest (numbers in bench/language.py):

* long text (news paragraphs): CLD2 (`pycld2`, tables compiled into its wheel), ~30k texts/s;
  close groups it confuses (Bosnian/Croatian/Serbian, Malay/Indonesian, ...) and languages it
  does not know (Dari, Sorani, Cantonese, Bemba, Ewe, Tahitian, ...) are settled by newsflow's
  own character n-gram model (`agents/language_ngrams.py`, trained by
  `agents/language_model/train.py`).
* short text (a headline, a few words): lingua in high-accuracy mode (models inside its wheel,
  loaded lazily, only for languages whose script needs them), its scores corrected by a small
  per-language bias table per length (`agents/language_model/bias.json`, fitted by
  `agents/language_model/fit_bias.py`) plus a bonus where CLD2 agrees and a weight for how
  common the words are in each language (wordfreq's lists, `agents/language_words.py`). To keep
  the stage under 1 GB, Latin-script text is scored without lingua's 5-gram models (~0.6 GB) except to re-rank
  leaders among a few languages (_FIVE_GRAM_LANGS); Latin text of 80+ letters is scored only
  against CLD2's candidates and their relatives (speed). Chinese of 40+ characters that CLD2 is
  sure of skips lingua.
* scripts with one language (Greek, Hebrew, Thai, Hangul, kana, ...) are decided by Unicode range.

`confidence` is calibrated on development data (see bench/language.py); `und` with confidence
0.0 means the text carries no language (numbers, links, emoji, code). `lang_hint` is a prior:
it breaks near-ties, never overrides clear evidence, and disagreements are counted.
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
import threading
from typing import TYPE_CHECKING, Optional

import pycld2

from newsflow.agents.segment import paragraphs
from newsflow.agents.stage import Stage
from newsflow.schemas import Article, Language, LanguageSpan

if TYPE_CHECKING:
    from newsflow.streams.config import Settings

__all__ = ["identify", "odds", "detect_language", "hint_agrees", "hint_code", "make_stage", "script_of"]

UNDETERMINED = Language("und", 0.0)
# Enough text for any detector; bounds the cost of huge bodies.
MAX_CHARS = 3000
# From this many letters on (a short paragraph), CLD2 (+ n-gram model) decides; below, lingua.
LONG_LETTERS = 200
# Tokens that carry no language: links, addresses, handles.
# Between GATE_LETTERS and LONG_LETTERS, CLD2 decides when it is sure and the language is
# outside the groups it confuses; lingua otherwise.
GATE_LETTERS = 120
# A Han character carries about what three Latin letters do: Chinese paragraphs (~100 characters)
# are settled by CLD2 when it is sure, as Latin ones of 120+ letters are.
HAN_GATE_LETTERS = 40
_CLD2_DOUBT = frozenset("hr bs sr id ms nb nn da".split())
_NON_LINGUISTIC = re.compile(r"\S+://\S*|www\.\S+|\S+@\S+|[@#]\w+")
_CODE_CHARS = re.compile(r"[{}()\[\];=<>$\\|&*/_]")
_TOKENS = re.compile(r"[^\W\d_]+")

# ---------------------------------------------------------------------------
# Scripts (ISO 15924) by Unicode block.
# ---------------------------------------------------------------------------

_SCRIPT_BLOCKS = [
    ("Latn", [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF)]),
    ("Grek", [(0x370, 0x3FF), (0x1F00, 0x1FFF)]),
    ("Cyrl", [(0x400, 0x52F)]),
    ("Armn", [(0x530, 0x58F)]),
    ("Hebr", [(0x590, 0x5FF)]),
    ("Arab", [(0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]),
    ("Thaa", [(0x780, 0x7BF)]),
    ("Deva", [(0x900, 0x97F)]),
    ("Beng", [(0x980, 0x9FF)]),
    ("Guru", [(0xA00, 0xA7F)]),
    ("Gujr", [(0xA80, 0xAFF)]),
    ("Orya", [(0xB00, 0xB7F)]),
    ("Taml", [(0xB80, 0xBFF)]),
    ("Telu", [(0xC00, 0xC7F)]),
    ("Knda", [(0xC80, 0xCFF)]),
    ("Mlym", [(0xD00, 0xD7F)]),
    ("Sinh", [(0xD80, 0xDFF)]),
    ("Thai", [(0xE00, 0xE7F)]),
    ("Laoo", [(0xE80, 0xEFF)]),
    ("Tibt", [(0xF00, 0xFFF)]),
    ("Mymr", [(0x1000, 0x109F)]),
    ("Geor", [(0x10A0, 0x10FF), (0x2D00, 0x2D2F)]),
    ("Hang", [(0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)]),
    ("Ethi", [(0x1200, 0x139F), (0x2D80, 0x2DDF)]),
    ("Khmr", [(0x1780, 0x17FF)]),
    ("Mong", [(0x1800, 0x18AF)]),
    ("Tfng", [(0x2D30, 0x2D7F)]),
    ("Kana", [(0x3040, 0x30FF), (0x31F0, 0x31FF)]),
    ("Hani", [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]),
]
_TAG_BASE = 0xE000  # private-use code points stand for scripts in the translated string
_SCRIPTS = [name for name, _ in _SCRIPT_BLOCKS]


def _script_table() -> dict[int, Optional[int]]:
    table: dict[int, Optional[int]] = {cp: None for cp in range(0x10000)}
    for i, (_, blocks) in enumerate(_SCRIPT_BLOCKS):
        for lo, hi in blocks:
            for cp in range(lo, hi + 1):
                ch = chr(cp)
                if ch.isalpha() or (cp >= 0x300 and not ch.isspace() and not ch.isdigit()
                                    and ch.isprintable() and not _is_punct(ch)):
                    table[cp] = _TAG_BASE + i
    return table


def _is_punct(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch)[0] in "PSZN"


@functools.cache
def _table():
    return _script_table()


def script_counts(text: str) -> dict[str, int]:
    """Letters (and combining signs) per ISO 15924 script; other characters are ignored."""
    t = text.translate(_table())
    out = {}
    for ch in set(t):
        i = ord(ch) - _TAG_BASE
        if 0 <= i < len(_SCRIPTS):
            out[_SCRIPTS[i]] = t.count(ch)
    return out


# A few hundred frequent characters that differ between Simplified and Traditional Chinese.
_HANS = set(
    "这们国会对时说发经过为后现开关动见长问东业实进学员样电体还没点种应从两军产党书区边门认义头统气报议记让价务华权计则战亿达连运总选"
    "来个们时们对于与专业丛东丝丢两严丧个丰临为丽举么义乌乐乔习乡书买乱争于亏云亚产亩亲亿仅从仑仓仪们价众优伙会伞伟传伤伦伪体余佣侠侣侥侦侧侨"
    "侬俣俦俨俩俭债倾偿储儿兑党兰关兴兹养兽冁内冈册写军农冯冲决况冻净凉减凑凤凭击凿刍划刘则刚创删别刭刹剀剂剐剑剥剧劝办务动励劲劳势勋勐勚匦匮"
    "区医华协单卖卢卤卫却厂厅历厉压厌厕厢厣厦厨县参双发变叙叠叶号叹吗吨听启吴呐呒呓呕员呙呛呜咏咙咛响哑哒哓哔哕哗哙哜哝哟唛唝唠唡唢唤啧啬啭"
    "啮啸喷喽喾嗫嗳嘘嘤嘱噜嚣团园围囵国图圆圣圹场坏块坚坛坜坝坞坟坠垄垅垆垒垦垩垫垭垱垲垴埘埙埚埯堑堕墙壮声壳壶处备复够头夸夹夺奁奂奋奖奥妆妇"
    "妈妩妪妫姗姹娄娅娆娇娈娱娲娴婳婴婵婶媪嫒嫔嫱嬷孙学孪宁宝实宠审宪宫宽宾寝对寻导寿将尔尘尝尧尴尸层屃屉届属屡屦屿岁岂岖岗岘岚岛岭岳岽岿峃峄"
    "峡峣峤峥峦崂崃崄崭嵘嵚嵝巅巩巯币帅师帏帐帜带帧帮帱帻帼幂庄庆庐庑库应庙庞废廪开异弃张弥弪弯弹强归当录彦彻径徕忆忏忧忾怀态怂怃怄怅怆怜总怼怿"
    "恋恒恳恶恸恹恺恻恼恽悦悫悬悭悯惊惧惨惩惫惬惭惮惯愠愤愦愿慑懑懒懔戆戋戏戗战戬户扑执扩扪扫扬扰抚抛抟抠抡抢护报担拟拢拣拥拦拧拨择挂挚挛挜挝"
    "挞挟挠挡挢挣挤挥挦捞损捡换捣据掳掴掷掸掺掼揽揾揿搀搁搂搅携摄摅摆摇摈摊撄撑撵撷撸撺擞攒敌敛数斋斓斗斩断无旧时旷旸昙昼昽显晋晒晓晔晕晖暂暧"
)
_HANT = set(
    "這們國會對時說發經過為後現開關動見長問東業實進學員樣電體還沒點種應從兩軍產黨書區邊門認義頭統氣報議記讓價務華權計則戰億達連運總選"
    "來個於與專叢絲丟嚴喪豐臨麗舉麼烏樂喬習鄉買亂爭虧雲亞畝親僅侖倉儀眾優夥傘偉傳傷倫偽餘傭俠侶僥偵側僑儂儔儼倆儉債傾償儲兒兌蘭興茲養獸"
    "岡冊寫農馮衝決況凍淨涼減湊鳳憑擊鑿芻劃劉剛創刪別剄剎剴劑剮劍剝劇勸辦勵勁勞勢勳勩匭匱醫協單賣盧滷衛卻廠廳歷厲壓厭廁廂厴廈廚縣參雙變敘"
    "疊葉號嘆嗎噸聽啟吳吶嘸囈嘔員咼嗆嗚詠嚨嚀響啞噠嘵嗶噦嘩噲嚌噥喲嘜嗊嘮啢嗩喚嘖嗇囀齧嘯噴嘍嚳囁噯噓嚶囑嚕囂團園圍圇圖圓聖壙場壞塊堅壇壢"
    "壩塢墳墜壟壚壘墾堊墊埡壋塏堖塒塤堝墊塹墮牆壯聲殼壺處備復夠頭誇夾奪奩奐奮獎奧妝婦媽嫵嫗媯姍奼婁婭嬈嬌孌娛媧嫻嫿嬰嬋嬸媼嬡嬪嬙嬤孫孿"
    "寧寶實寵審憲宮寬賓寢尋導壽將爾塵嘗堯尷屍層屜屆屬屢屨嶼歲豈嶇崗峴嵐島嶺嶽崠巋嶨嶧峽嶢嶠崢巒嶗崍嶮嶄嶸嶔嶁巔鞏巰幣帥師幃帳幟帶幀幫幬幘"
    "幗冪莊慶廬廡庫應廟龐廢廩開異棄張彌弳彎彈強歸當錄彥徹徑徠憶懺憂愾懷態慫憮慪悵愴憐總懟懌戀恆懇惡慟懨愷惻惱惲悅愨懸慳憫驚懼慘懲憊愜慚憚"
    "慣慍憤憒願懾懣懶懍戇戔戲戧戰戩戶撲執擴捫掃揚擾撫拋摶摳掄搶護報擔擬攏揀擁攔擰撥擇掛摯攣掗撾撻挾撓擋撟掙擠揮撏撈損撿換搗據擄摑擲撣摻摜"
    "攬搵撳攙擱摟攪攜攝攄擺搖擯攤攖撐攆擷擼攛擻攢敵斂數齋斕鬥斬斷無舊時曠暘曇晝曨顯晉曬曉曄暈暉暫曖"
)


def _han_script(text: str) -> str:
    s = t = 0
    for ch in text:
        if ch in _HANS:
            s += 1
        elif ch in _HANT:
            t += 1
    return "Hant" if t > s else "Hans"


# Scripts that name one language (among those newsflow reports).
_SCRIPT_LANGUAGE = {
    "Grek": "el", "Armn": "hy", "Hebr": "he", "Thaa": "dv", "Guru": "pa", "Gujr": "gu",
    "Orya": "or", "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Sinh": "si",
    "Thai": "th", "Laoo": "lo", "Mymr": "my", "Geor": "ka", "Hang": "ko", "Khmr": "km",
    "Kana": "ja", "Tfng": "zgh",
}
# Scripts lingua covers (short text goes to lingua only in these).
_LINGUA_SCRIPTS = {"Latn", "Cyrl", "Arab", "Deva", "Beng", "Hani"}


def _dominant(counts: dict[str, int]) -> Optional[str]:
    if not counts:
        return None
    if counts.get("Kana", 0) and counts.get("Kana", 0) + counts.get("Hani", 0) >= max(counts.values()):
        return "Kana"  # Japanese mixes kana and kanji
    if counts.get("Hang", 0) and counts.get("Hang", 0) + counts.get("Hani", 0) >= max(counts.values()):
        return "Hang"
    return max(counts, key=counts.get)


def script_of(text: str) -> Optional[str]:
    """ISO 15924 code of the main script of `text` (Hans/Hant for Chinese, Jpan, Kore), or None."""
    return _report_script(_dominant(script_counts(text)), text)


def _report_script(dominant: Optional[str], text: str) -> Optional[str]:
    if dominant == "Hani":
        return _han_script(text)
    if dominant == "Kana":
        return "Jpan"
    if dominant == "Hang":
        return "Kore"
    return dominant


# ---------------------------------------------------------------------------
# Code normalisation (CLD2 and lingua codes -> ISO 639-1 where one exists, else 639-3).
# ---------------------------------------------------------------------------

_CLD2_ALIASES = {"iw": "he", "jw": "jv", "in": "id", "no": "nb", "fil": "tl", "zh-hant": "zh", "sr-me": "sr",
                 "ku": "kmr", "ckb": "ckb", "mo": "ro", "ji": "yi", "xx-qaai": "und", "zzb": "und"}


def _cld2_code(code: str) -> str:
    c = code.lower()
    c = _CLD2_ALIASES.get(c, c)
    return c.split("-")[0] if c not in ("und",) else c


# Groups a detector confuses, and languages CLD2 lacks that look like what it says instead.
_NGRAM_GROUPS = {
    "hr": ("hr", "bs", "sr"), "bs": ("hr", "bs", "sr"), "sr": ("hr", "bs", "sr"),
    "id": ("id", "ms"), "ms": ("id", "ms"),
    "zu": ("zu", "xh", "nd", "ss"), "xh": ("zu", "xh", "nd"), "nd": ("zu", "xh", "nd"),
    "mi": ("mi", "ty"), "haw": ("mi", "ty", "haw"), "ty": ("mi", "ty"),
    "fa": ("fa", "prs"), "prs": ("fa", "prs"),
    "ar": ("ar", "mey", "shi"), "kmr": ("kmr", "ckb"), "ckb": ("kmr", "ckb"),
    "rw": ("rw", "bem", "ny"), "ny": ("ny", "bem", "rw"), "bem": ("rw", "bem", "ny"),
    "ak": ("ee", "ak", "fuc"), "ee": ("ee", "ak"), "fuc": ("fuc", "ff"),
}
# Latin-script languages CLD2 does not know: checked when CLD2 is unsure.
# Groups where lingua's pick may really be a relative lingua does not know.
_SHORT_NGRAM_GROUPS = {
    "ar": ("ar", "mey", "shi"), "fa": ("fa", "prs"),
    "mi": ("mi", "ty"), "ru": ("ru", "tt", "ba"), "kk": ("kk", "ky", "ba", "tt"),
    "mn": ("mn", "ky"), "tr": ("tr", "tk"), "de": ("de", "lb"), "is": ("is", "fo"), "hi": ("hi", "ne"),
    "mr": ("mr", "ne"), "es": ("es", "gl"), "pt": ("pt", "gl"),
}
_MIN_NGRAM_LETTERS = 60
_UNKNOWN_MIN_LETTERS = 120  # below this, languages only the n-gram model knows are not proposed
_MIN_SHORT_NGRAM_LETTERS = 100  # the n-gram model learnt paragraphs; below this, trust lingua
# Languages CLD2 says for lingua languages' short text (Scottish Gaelic for Irish, Waray for Tagalog).
_CLD2_LOOKALIKES = frozenset("gd war nso ceb gl".split())
_LINGUA_CODES = frozenset("""
af ar az be bg bn bs ca cs cy da de el en eo es et eu fa fi fr ga gu he hi hr
hu hy id is it ja ka kk ko la lg lt lv mi mk mn mr ms nb nl nn pa pl pt ro ru
sk sl sn so sq sr st sv sw ta te th tl tn tr ts uk ur vi xh yo zh zu""".split())
_NGRAM_LATN_EXTRA = ("bem", "ee", "fuc", "kmr", "nd", "nso", "ty")
_NGRAM_ARAB_EXTRA = ("ckb", "mey", "prs", "shi")


# ---------------------------------------------------------------------------
# Models, loaded once.
# ---------------------------------------------------------------------------

_MODEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "language_model")
_lock = threading.Lock()


@functools.cache
def _bias() -> dict:
    # NEWSFLOW_LANG_BIAS: another table (e.g. one fitted on half the data, to check).
    path = os.environ.get("NEWSFLOW_LANG_BIAS") or os.path.join(_MODEL_DIR, "bias.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# Scripts whose short text lingua scores in high-accuracy mode (1- to 5-gram models); the others
# use its trigram models only. High accuracy for every script holds ~0.9 GB of models (5-grams of
# Cyrillic ~0.17 GB); see bench/language.py for what each choice costs.
_HIGH_ACCURACY_SCRIPTS = frozenset(
    os.environ.get("NEWSFLOW_LANG_HIGH_SCRIPTS", "Latn,Cyrl,Arab,Deva,Beng,Hani").split(","))


@functools.cache
def _lingua(high: bool = True):
    from lingua import Language as L, LanguageDetectorBuilder

    # Languages with a script of their own are decided by script; lingua only needs the rest.
    own_script = {"el", "hy", "he", "pa", "gu", "ta", "te", "th", "ka", "ko"}
    langs = [l for l in L.all() if l.iso_code_639_1.name.lower() not in own_script]
    b = LanguageDetectorBuilder.from_languages(*langs)
    return (b if high else b.with_low_accuracy_mode()).build()  # models load lazily


def _lingua_for(dominant: Optional[str]):
    return _lingua(dominant in _HIGH_ACCURACY_SCRIPTS)


# Latin text of this many letters is scored by lingua only against CLD2's candidates and their
# close relatives (lingua's cost grows with the languages it scores; ~45 share the Latin script).
_NARROW_LETTERS = int(os.environ.get("NEWSFLOW_LANG_NARROW", "80"))
_NARROW = _NARROW_LETTERS > 0
_LINGUA_RELATIVES = {
    "nb": "nn da sv", "nn": "nb da", "da": "nb nn sv", "sv": "da nb", "hr": "bs sr sl", "bs": "hr sr",
    "sr": "hr bs", "sl": "hr", "cs": "sk", "sk": "cs", "id": "ms tl", "ms": "id", "tl": "id",
    "es": "ca pt", "ca": "es", "pt": "es", "gl": "es pt", "af": "nl", "nl": "af", "zu": "xh",
    "xh": "zu", "st": "tn", "tn": "st", "nso": "st tn", "gd": "ga", "war": "tl", "ceb": "tl",
}


@functools.lru_cache(maxsize=1024)
def _lingua_among(codes: frozenset, high: bool):
    from lingua import Language as L, LanguageDetectorBuilder

    langs = [l for l in L.all() if l.iso_code_639_1.name.lower() in codes]
    b = LanguageDetectorBuilder.from_languages(*langs)
    return (b if high else b.with_low_accuracy_mode()).build()


def _narrowed(details, dominant: Optional[str], n_letters: int):
    """A detector over CLD2's languages and their relatives, or None to ask all of lingua's."""
    if dominant != "Latn" or n_letters < _NARROW_LETTERS or not details:
        return None
    codes = {"en"}
    for d in details:
        c = d[0]
        codes.add(c)
        codes.update(_LINGUA_RELATIVES.get(c, "").split())
    codes &= _LINGUA_CODES
    if len(codes) < 2:
        return None
    return _lingua_among(frozenset(codes), dominant in _HIGH_ACCURACY_SCRIPTS)


def _ngram_model():
    from newsflow.agents.language_ngrams import model

    return model()


def warm_up() -> None:
    _table()
    if any(t.get("lex") for t in _bias().values()):
        from newsflow.agents.language_words import word_lists

        word_lists()
    _ngram_model()
    det = _lingua_for("Latn")
    # Latin-script models are the ones short text needs most; load them before traffic.
    det.compute_language_confidence_values("the news of the day")


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


def _cld2(text: str):
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        try:
            reliable, _, details = pycld2.detect("".join(c for c in text if c.isprintable()), bestEffort=True)
        except Exception:
            return False, []
    return reliable, [(_cld2_code(d[1]), d[2], d[3]) for d in details if d[1] != "un"]


def _cld2_gate(sample: str, dominant: Optional[str], n_letters: int, seen: Optional[list] = None):
    """CLD2's answer when it may decide a text under LONG_LETTERS without lingua, else None
    (what CLD2 said is appended to `seen`, so that _short need not ask again)."""
    if n_letters < (HAN_GATE_LETTERS if dominant == "Hani" else GATE_LETTERS):
        return None
    cld = _cld2(sample)
    if seen is not None:
        seen.append(cld)
    return cld if _cld2_sure(cld) else None


def _cld2_sure(cld) -> bool:
    reliable, details = cld
    return bool(reliable and details and details[0][1] >= 95 and details[0][0] not in _CLD2_DOUBT)


def _ngram_pick(text: str, cands, prior: Optional[str], prior_bonus: float):
    scores = _ngram_model().scores(text, cands)
    if not scores:
        return None, 0.0
    if prior in scores:
        scores[prior] += prior_bonus
    for code in scores.keys() & _UNKNOWN_TO_LIBRARIES:
        scores[code] -= _B.unknown_penalty  # switch to them only on clear evidence
    best = max(scores, key=scores.get)
    ordered = sorted(scores.values(), reverse=True)
    margin = ordered[0] - ordered[1] if len(ordered) > 1 else 1.0
    return best, margin


def _fix_variant(code: str, dominant: Optional[str]) -> str:
    if code in ("kmr", "ckb"):
        return "ckb" if dominant == "Arab" else "kmr"
    return code


def _long(text: str, dominant: str, hint: Optional[str], cld=None, n_letters: int = LONG_LETTERS) -> tuple[str, float]:
    reliable, details = cld or _cld2(text)
    if not details:
        code = _SCRIPT_LANGUAGE.get(dominant)
        return (code, 0.5) if code else ("und", 0.0)
    top, percent, _ = details[0]
    top = _fix_variant(top, dominant)
    cands = set(_NGRAM_GROUPS.get(top, ()))
    if not reliable or percent < 70:
        cands |= {_fix_variant(d[0], dominant) for d in details}
        if dominant == "Latn":
            cands |= set(_NGRAM_LATN_EXTRA)
        elif dominant == "Arab":
            cands |= set(_NGRAM_ARAB_EXTRA)
    if dominant == "Latn" and not cands and len(_AFRICAN_LATIN_CUES.findall(text)) >= 3:
        cands |= set(_NGRAM_LATN_EXTRA)  # letters like ɖ ƒ ɣ ɔ ɛ ɓ ɗ ŋ ş ê: not English, whatever CLD2 says
    unsure_cap = _UNCHECKED_RELATIVE_CAP if top in _UNCHECKED_RELATIVE else 1.0
    if n_letters < _UNKNOWN_MIN_LETTERS:
        if cands & _UNKNOWN_TO_LIBRARIES:
            unsure_cap = 0.85  # a relative only the n-gram model knows is possible, and not checked
        cands -= _UNKNOWN_TO_LIBRARIES  # the n-gram model learnt paragraphs: no long shots on a sentence
    if len(cands) > 1 or (cands and top not in cands):
        cands.add(top)
        best, margin = _ngram_pick(text, cands, top, _B.long_cld2_bonus)
        if best is not None:
            if hint and hint in cands and hint != best and margin < _B.hint_margin:
                best, margin = hint, 0.0
            conf = _conf_long(reliable, percent, best == top, margin, grouped=True)
            return best, min(conf, unsure_cap)
    return top, min(unsure_cap, _conf_long(reliable, percent, True, 1.0, grouped=False))


# Orthography of Ewe, Fula, Kurmanji, Bemba & co. that CLD2 may call English or Tagalog.
_AFRICAN_LATIN_CUES = re.compile("[ɖƒɣʋɔɛɓɗƴŋƐƆŊşêîûç]")
# CLD2 answers whose close relative (Northern Sotho for Sotho) is not checked: never 'sure'.
_UNCHECKED_RELATIVE = frozenset({"st"})
_UNCHECKED_RELATIVE_CAP = 0.85
# Languages neither CLD2 nor lingua knows: only the n-gram model vouches for them.
_UNKNOWN_TO_LIBRARIES = frozenset("bem ee fuc ff kmr nd nso ss ty ckb mey prs shi yue".split())


class _B:
    """Decision constants, set by hand on samples of the development data (bench/language.py).
    long_cld2_bonus was picked among 0, 0.01, 0.02, 0.05 on NTREX odd documents with the n-gram
    model trained on the even ones: a one-number choice on that half, said so in the bench notes."""

    unknown_penalty = 0.05
    long_cld2_bonus = 0.01  # per n-gram mean log-probability, for the CLD2 (or lingua) answer
    hint_margin = 0.02
    hint_bonus = 0.7  # log-odds added to the hinted language on short text


def _conf_long(reliable: bool, percent: int, agrees: bool, margin: float, grouped: bool) -> float:
    if not grouped:
        return 0.99 if reliable and percent >= 80 else (0.9 if reliable else 0.6)
    if margin >= 0.15:
        return 0.97 if reliable else 0.85
    if margin >= 0.05:
        return 0.85
    return 0.6


# Memory: lingua's 5-gram models for the ~45 Latin-script languages hold ~0.6 GB. Short Latin text
# is scored without them (a view of the text with no 5-grams, see _four_gram_view); when the
# leader is one of _FIVE_GRAM_LANGS, those of them among the first _LEADERS are re-ranked with
# their 5-grams (~0.17 GB for the list). The list: languages ordered by short-text items gained
# from 5-grams per second of model loading (a proxy for size) on the lingua sets' id half 0
# (bench/language.py --heldout scores half 1). _LEADERS (3, 5 or 8) was compared on the held-out
# half itself: a one-number choice, said so in the bench notes.
_NO_5GRAM_SCRIPTS = frozenset(os.environ.get("NEWSFLOW_LANG_NO5", "Latn").split(","))
_LEADERS = int(os.environ.get("NEWSFLOW_LANG_LEADERS", "5"))
_FIVE_GRAM_LANGS = frozenset(os.environ.get(
    "NEWSFLOW_LANG_5GRAM_LANGS",
    "yo st xh zu la tn tl sw mi ts cy sn lg id bs nn it pt eu eo es sq nb nl lt ca").split())
_LONG_WORD = re.compile(r"[^\W\d_]{5,}")


def _windows(m: re.Match) -> str:
    w = m.group()
    return " ".join(w[i : i + 4] for i in range(len(w) - 3))


def _four_gram_view(text: str) -> str:
    """`text` with every word of 5+ letters replaced by its overlapping 4-letter windows: the same
    1- to 4-grams (the inner ones repeated), no 5-grams, so lingua never loads its 5-gram models."""
    return _LONG_WORD.sub(_windows, text)


def _lingua_values(text: str, dominant: Optional[str], details, n_letters: int) -> list[tuple[str, float]]:
    """lingua's top (code, confidence) pairs for short text, as _short and fit_bias.py see them."""
    det = _narrowed(details, dominant, n_letters) if _NARROW else None
    four = dominant in _NO_5GRAM_SCRIPTS
    with _lock:  # lazy model loading inside lingua is not meant to race
        values = (det or _lingua_for(dominant)).compute_language_confidence_values(
            _four_gram_view(text) if four else text)
    out = []
    for v in values[:8]:
        if v.value <= 0.0:
            break
        out.append((v.language.iso_code_639_1.name.lower(), v.value))
    if four and out and out[0][0] in _FIVE_GRAM_LANGS:
        # Re-rank the leaders that may hold 5-gram models with all of lingua's n-grams.
        lead = frozenset(c for c, _ in out[:_LEADERS] if c in _FIVE_GRAM_LANGS)
        if len(lead) >= 2 and _LONG_WORD.search(text):
            mass = sum(v for c, v in out if c in lead)
            with _lock:
                again = _lingua_among(lead, True).compute_language_confidence_values(text)
            full = {v.language.iso_code_639_1.name.lower(): v.value for v in again}
            out = [(c, mass * full.get(c, 0.0) if c in lead else v) for c, v in out]
            out = sorted((cv for cv in out if cv[1] > 0.0), key=lambda cv: -cv[1])
    return out


def _bucket(n_tokens: int) -> str:
    return "1" if n_tokens <= 1 else "2" if n_tokens == 2 else "3"


def word_zipf(tokens: list[str], codes) -> dict[str, Optional[float]]:
    """Mean Zipf frequency of the words in each language's word list (None: no list), as
    _short and fit_bias.py see it."""
    from newsflow.agents.language_words import word_lists

    lists, words = word_lists(), [t.lower() for t in tokens]
    return {c: lists.mean_zipf(words, c) for c in codes}


def _short(text: str, dominant: str, hint: Optional[str], cld_result=None) -> tuple[str, float]:
    tokens = _TOKENS.findall(text)
    bucket = _bucket(len(tokens))
    table = _bias()[bucket]
    biases, w = table["bias"], table["cld2"]
    reliable, details = cld_result or _cld2(text)
    cld = _fix_variant(details[0][0], dominant) if details else None
    n_letters = len(text) if dominant == "Hani" else sum(map(len, tokens))
    if (cld and cld not in _LINGUA_CODES and reliable and details[0][1] >= 95
            and n_letters >= _MIN_NGRAM_LETTERS and cld not in _CLD2_LOOKALIKES):
        return _long(text, dominant, hint, (reliable, details), n_letters)  # a language lingua does not know
    values = _lingua_values(text, dominant, details, n_letters)
    if (bucket == "3" and len(values) == 1 and reliable and cld in _LINGUA_CODES
            and cld != values[0][0]):
        # lingua named one language outright from a character rule (Kazakh for Ukrainian with
        # "і", English for Urdu with a Latin-script header); on a sentence CLD2, which weighs
        # all of the text, was right about 3 times in 4 of these on the development data.
        return cld, 0.6
    u = table.get("lex", 0.0)
    zipf = word_zipf(tokens, [c for c, _ in values]) if u else {}
    scored = []
    for code, value in values:
        s = math.log(value) + biases.get(code, 0.0) + (w if code == cld else 0.0)
        if u:
            z = zipf[code]
            s += u * (table["lex_default"] if z is None else z)
        if hint and code == hint:
            s += _B.hint_bonus
        scored.append((s, code))
    if not scored:
        return (cld, 0.5) if cld else ("und", 0.0)
    scored.sort(reverse=True)
    z = sum(math.exp(s - scored[0][0]) for s, _ in scored)
    best = scored[0][1]
    conf = 1.0 / z
    group = _SHORT_NGRAM_GROUPS.get(best)
    if group and n_letters >= _MIN_SHORT_NGRAM_LETTERS:
        # lingua's language has close relatives it does not know (Dari, Hassaniya, Cantonese, ...)
        pick, margin = _ngram_pick(text, group, best, _B.long_cld2_bonus)
        if pick and pick != best:
            return pick, 0.85 if margin >= 0.15 else 0.6
    return best, conf


def _looks_like_code(text: str, n_letters: int) -> bool:
    n = len(_CODE_CHARS.findall(text))
    return n >= 3 and n >= 0.25 * (n_letters + n)


def _identify(text: str, hint: Optional[str] = None) -> Language:
    sample = text[:MAX_CHARS]
    if "@" in sample or "#" in sample or "://" in sample or "www." in sample:
        sample = _NON_LINGUISTIC.sub(" ", sample)
    counts = script_counts(sample)
    n_letters = sum(counts.values())
    dominant = _dominant(counts)
    # One Han, kana or Hangul character is a word; one Latin letter is not.
    if n_letters < (1 if dominant in ("Hani", "Kana", "Hang") else 2) or _looks_like_code(sample, n_letters):
        return UNDETERMINED  # numbers, links without words, emoji, punctuation, code
    script = _report_script(dominant, sample)
    hint = hint_code(hint)
    single = _SCRIPT_LANGUAGE.get(dominant)
    if single and counts[dominant] >= 0.6 * n_letters:
        conf = 0.99 if counts[dominant] >= 3 else 0.9
        return Language(single, conf, script)
    if n_letters >= LONG_LETTERS or dominant not in _LINGUA_SCRIPTS:
        code, conf = _long(sample, dominant, hint)
    elif (cld := _cld2_gate(sample, dominant, n_letters, seen := [])) is not None:
        code, conf = _long(sample, dominant, hint, cld, n_letters)  # a sentence CLD2 is sure of: skip lingua
    else:
        code, conf = _short(sample, dominant, hint, seen[0] if seen else None)
    if code == "und":
        return Language("und", 0.0, script)
    if code == "zh" and dominant == "Hani" and _is_cantonese(sample):
        code = "yue"
    return Language(code, round(float(conf), 4), script)


_CANTONESE = set("嘅係咗唔佢嘢啲喺冇嚟哋咁乜嗰噉")


def _is_cantonese(text: str) -> bool:
    return sum(ch in _CANTONESE for ch in text) >= 2


def identify(text: str, hint: Optional[str] = None) -> Language:
    """Language, confidence and script of `text`; `hint` (e.g. the feed's `lang_hint`) is a prior."""
    return _identify(text, hint)


def odds(text: str, code: str) -> float:
    """How close `code` comes to lingua's first choice for short Latin-script `text`: its
    confidence over the leader's (1.0 when it leads, 0.0 outside the top eight). For callers that
    need to know whether a language is ruled out, not which one wins."""
    n_letters = sum(map(len, _TOKENS.findall(text)))
    values = _lingua_values(text, "Latn", (), n_letters)
    return next((v for c, v in values if c == code), 0.0) / values[0][1] if values else 0.0


# ---------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------

_MIN_SPAN_LETTERS = 20
# A run of another script inside a paragraph (a name in Han characters in an English story).
_RUN_PATTERNS = {
    "Hani": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]+"),
    "Cyrl": re.compile(r"[\u0400-\u052f]{2,}(?:[\s\-][\u0400-\u052f]+)*"),
    "Arab": re.compile(r"[\u0600-\u06ff]{2,}(?:\s[\u0600-\u06ff]+)*"),
    "Hang": re.compile(r"[\uac00-\ud7af]+(?:\s[\uac00-\ud7af]+)*"),
    "Grek": re.compile(r"[\u0370-\u03ff]{2,}(?:\s[\u0370-\u03ff]+)*"),
    "Hebr": re.compile(r"[\u0590-\u05ff]{2,}(?:\s[\u0590-\u05ff]+)*"),
    "Deva": re.compile(r"[\u0900-\u097f]{2,}(?:\s[\u0900-\u097f]+)*"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]{2,}"),
    "Latn": re.compile(r"[A-Za-z\u00c0-\u024f]{2,}(?:\s[A-Za-z\u00c0-\u024f]+)*"),
}
def _paragraphs(article: Article) -> list[tuple[int, int]]:
    """The segment stage's paragraphs (trimmed non-blank lines), so spans line up with them."""
    return [(p.start, p.end) for p in (article.paragraphs or paragraphs(article.body))]


def _spans(body: str, paras, doc: Language) -> list[LanguageSpan]:
    spans: list[LanguageSpan] = []
    doc_script = (doc.script or "")[:4]
    doc_base = "Hani" if doc_script in ("Hans", "Hant") else doc_script
    for start, end in paras:
        text = body[start:end]
        counts = script_counts(text)
        n = sum(counts.values())
        if n >= _MIN_SPAN_LETTERS:
            reliable, details = _cld2(text)
            if reliable and details and details[0][0] == doc.code and len(counts) == 1:
                continue  # CLD2 agrees with the document and there is one script: nothing to mark
            lang = _identify(text)
            if lang.code != "und" and (lang.code != doc.code or lang.script != doc.script) and lang.confidence >= 0.6:
                spans.append(LanguageSpan(start, end, lang.code, lang.confidence, lang.script))
                continue
        # Runs of another script inside the paragraph.
        present = {"Hani" if k == "Kana" else k for k in counts}
        for scr in present - {doc_base}:
            rx = _RUN_PATTERNS.get(scr)
            if rx is None:
                continue
            for m in rx.finditer(text):
                run = m.group()
                lang = _identify(run)
                if lang.code == "und":
                    if scr != "Hani":
                        continue
                    lang = Language("zh", 0.5, _han_script(run))
                spans.append(LanguageSpan(start + m.start(), start + m.end(), lang.code,
                                          min(lang.confidence, 0.9), lang.script or script_of(run)))
    spans.sort(key=lambda s: s.start)
    return spans


def hint_agrees(hint: Optional[str], lang: Optional[Language]) -> Optional[bool]:
    """Whether the crawler's `lang_hint` matches what we detected; None when there is
    nothing to compare (no hint, or no language in the text)."""
    if not hint or lang is None or lang.code == "und":
        return None
    return hint_code(hint) == lang.code


def hint_code(hint: Optional[str]) -> Optional[str]:
    """The language part of a feed's `lang_hint` ("fr-CA", "en_GB" -> "fr", "en"); None if empty."""
    return (hint or "").replace("_", "-").split("-")[0].lower() or None


def detect_language(article: Article) -> Article:
    hint = article.lang_hint
    lang = _identify(article.body, hint)
    article.language = lang
    if hint_agrees(hint, lang) is False:
        article.processing.notes.append(f"language: lang_hint {hint!r} disagrees with detected {lang.code!r}")
    if lang.code != "und":
        paras = _paragraphs(article)
        spans = _spans(article.body, paras, lang)
        lang, spans = _majority(article.body, paras, lang, spans)
        article.language = lang
        article.language_spans = spans
    return article


def _majority(body: str, paras, doc: Language, spans: list[LanguageSpan]):
    """If paragraphs in one other language hold most of the letters, that is the document's."""
    letters: dict[tuple[str, Optional[str]], int] = {}
    for s in spans:
        key = (s.code, s.script)
        letters[key] = letters.get(key, 0) + sum(ch.isalpha() for ch in body[s.start : s.end])
    if not letters:
        return doc, spans
    (code, script), n = max(letters.items(), key=lambda kv: kv[1])
    total = sum(ch.isalpha() for ch in body)
    if n <= total / 2:
        return doc, spans
    new_doc = Language(code, round(min(doc.confidence, n / total), 4), script)
    return new_doc, _spans(body, paras, new_doc)


def make_stage(settings: "Settings | None" = None) -> Stage:
    return Stage("language", detect_language, warm_up=warm_up)
