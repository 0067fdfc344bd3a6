"""Which script a text is in: ISO 15924 codes by Unicode block, Simplified or Traditional
Chinese, and the scripts that name one language (decided without any detector)."""
from __future__ import annotations

import functools
import unicodedata
from typing import Optional

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
_SPACE = 0x20


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZN"


@functools.cache
def script_table() -> dict[int, int]:
    """A `str.translate` table from each letter (or combining sign) to its script's tag, and any
    other character of the Basic Multilingual Plane to a space (so offsets hold); built once,
    by the stage's warm-up."""
    table: dict[int, int] = {cp: _SPACE for cp in range(0x10000)}
    for i, (_, blocks) in enumerate(_SCRIPT_BLOCKS):
        for lo, hi in blocks:
            for cp in range(lo, hi + 1):
                ch = chr(cp)
                if ch.isalpha() or (cp >= 0x300 and not ch.isspace() and not ch.isdigit()
                                    and ch.isprintable() and not _is_punct(ch)):
                    table[cp] = _TAG_BASE + i
    return table


def script_counts(text: str) -> dict[str, int]:
    """Letters (and combining signs) per ISO 15924 script; other characters are ignored."""
    t = tagged(text)
    return {scr: t.count(tag) for scr, tag in script_tags(t)}


def tagged(text: str) -> str:
    """`text` with each letter replaced by its script's tag, one character for one: a body is
    translated once, then any part of it counted with `t.count(tag, start, end)`."""
    return text.translate(script_table())


def script_tags(t: str) -> list[tuple[str, str]]:
    """(script, tag) of each script present in `t` (a `tagged` text)."""
    return [(_SCRIPTS[i], ch) for ch in set(t) if 0 <= (i := ord(ch) - _TAG_BASE) < len(_SCRIPTS)]


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


def han_script(text: str) -> str:
    """Hant when more of the characters that differ are Traditional, else Hans."""
    s = t = 0
    for ch in text:
        if ch in _HANS:
            s += 1
        elif ch in _HANT:
            t += 1
    return "Hant" if t > s else "Hans"


# Scripts that name one language (among those newsflow reports).
SCRIPT_LANGUAGE = {
    "Grek": "el", "Armn": "hy", "Hebr": "he", "Thaa": "dv", "Guru": "pa", "Gujr": "gu",
    "Orya": "or", "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Sinh": "si",
    "Thai": "th", "Laoo": "lo", "Mymr": "my", "Geor": "ka", "Hang": "ko", "Khmr": "km",
    "Kana": "ja", "Tfng": "zgh",
}


def dominant(counts: dict[str, int]) -> Optional[str]:
    """The script with most letters; Japanese and Korean count their Han characters too."""
    if not counts:
        return None
    if counts.get("Kana", 0) and counts.get("Kana", 0) + counts.get("Hani", 0) >= max(counts.values()):
        return "Kana"  # Japanese mixes kana and kanji
    if counts.get("Hang", 0) and counts.get("Hang", 0) + counts.get("Hani", 0) >= max(counts.values()):
        return "Hang"
    return max(sorted(counts), key=counts.get)  # a tie goes to the first name: the same answer in every process


def script_of(text: str) -> Optional[str]:
    """ISO 15924 code of the main script of `text` (Hans/Hant for Chinese, Jpan, Kore), or None."""
    return reported_script(dominant(script_counts(text)), text)


def reported_script(dominant: Optional[str], text: str) -> Optional[str]:
    """The script as records carry it: Hans/Hant for Han, Jpan for kana, Kore for Hangul."""
    if dominant == "Hani":
        return han_script(text)
    if dominant == "Kana":
        return "Jpan"
    if dominant == "Hang":
        return "Kore"
    return dominant
