"""Understand a question before retrieving: language, places, intent, and what it asks for.

Places come from the gazetteer (every province, city and county, with 简称 and pinyin), never
from a table here: a plan staff add for 山西 or 三门峡 is handled like the bundled ones.
Retrieval boosts the documents of the places named and records, per place, whether any
indexed document covers it (:class:`PlaceCoverage`). Intent and asks are exact patterns over
the question's own words. English questions get a small glossary so that the keyword side
can match the Chinese text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from chains.glossary import expand
from knowledge.gazetteer import Place, load_gazetteer

INTENT_RULES: list[tuple[str, list[str]]] = [
    ("agency", ["责任单位", "哪个部门", "哪些部门", "什么部门", "谁负责", "谁来负责", "牵头", "主管部门", "负责部门", "办公室设在",
                "责任部门", "归谁管", "找谁", "who is responsible", "which department", "which agency", "agency", "agencies", "responsible"]),
    ("tax", ["税", "优惠", "补贴", "奖补", "资金", "贷款", "基金", "金融", "信贷", "债券", "财政", "用地", "补助", "融资", "扶持",
             "tax", "incentive", "subsid", "loan", "fund", "financ", "credit", "land use", "grant"]),
    ("standard", ["标准", "规范", "规程", "认证", "standard", "specification", "norm"]),
    ("tech", ["技术", "工艺", "脱碱", "降碱", "提铁", "选铁", "产品", "用来", "生产", "材料", "提取", "technolog", "process", "product", "dealkali"]),
    ("target", ["目标", "多少", "利用率", "达到", "比例", "几大", "几项", "几家", "数量", "产生量", "存量", "target", "rate", "how many", "how much", "goal", "percent"]),
    ("project", ["项目", "示范", "工程", "基地", "园区", "试点", "project", "demonstration", "pilot", "base", "park"]),
]

# what a question may ask for that the documents might not give; each with where it is set
SPECIFIC_ASKS: list[tuple[str, list[str]]] = [
    ("rate", ["比例", "税率", "利率", "减按", "百分之", "几成", "多少钱", "金额", "额度", "多少补贴", "补多少", "退多少", "减免多少", "每吨", "一吨",
              "what rate", "what percentage", "how much tax", "per tonne", "per ton"]),
    ("deadline", ["截止", "期限", "最晚", "最迟", "什么时候申请", "何时申请", "申报时间", "deadline"]),
    ("quantity", ["多少", "几个", "几项", "几家", "几大", "几倍", "几年", "数值", "数字", "具体数", "how much", "how many", "what is the rate"]),
    ("time", ["什么时候", "啥时候", "何时", "哪一年", "哪年", "哪天", "when "]),
    # a sanction: what happens to whoever falls short ("完不成会罚款吗", "What is the fine if…")
    ("penalty", ["罚款", "处罚", "罚多少", "罚不罚", "会不会罚", "怎么罚", "罚则", " fine ", " fines", " fined", "penalt",
                 "sanction", "punish"]),
    ("procedure", ["申请材料", "什么材料", "怎么申请", "如何申请", "申请流程", "申报流程", "办理流程", "手续", "申请条件", "申报条件",
                   "how to apply", "apply for", "application process", "application procedure", "application form",
                   "application material", "documents required", "eligib"]),  # "applications" alone are uses
]

# a measure asked for by its unit or its dimension ("具体几毫米", "多厚", "几层"): how much, too
_MEASURE_ASK = re.compile(r"几(?:十|百|千|万)?(?:毫米|厘米|公里|米|吨|元|块|天|周|月|层|级|次|遍)|多(?:厚|深|高|长|宽|重|远|久)")

# "哪几个部门", "哪些单位", "什么机构": a who-question however the count or the office word is put
# (in English: "which departments", "which Guizhou department handles", "who oversees")
_OFFICE_EN = r"(?:departments?|agenc(?:y|ies)|offices?|ministr(?:y|ies)|bureaus?|units?|authorit(?:y|ies))"
_WHO_OFFICE = re.compile(
    r"(?:哪|什么|几)[一二三四五六七八九十两几\d]*[个些家]?[\u4e00-\u9fff]{0,3}?(?:部门|单位|机构|部委|厅局|厅|局)|"
    r"谁(?=[^，,。？?！!\s]{0,2}(?:负责|牵头|主管|分管|管|抓))|"
    # "由哪个口子总负责": which one is in charge, however the office is called (the verb stays a topic word)
    r"哪[一二三四五六七八九十两几\d]*[个些家][\u4e00-\u9fff]{0,4}?(?=总?(?:负责(?!人)|牵头|主管|分管|抓总))|(?:归|由|找|是)谁(?:管|负责|牵头|主管|来管|来抓)|"
    rf"\bwhich\s+(?:[A-Za-z-]+\s+){{0,3}}?{_OFFICE_EN}\b|"
    r"\bwho(?=\s+(?:handles|manages|oversees|supervises|leads|coordinates|runs|is in charge|are in charge|takes charge)\b)",
    re.IGNORECASE)
# several offices asked for ("哪些部门", "哪几个单位", "which departments"): the plural forms of the above
_OFFICES = re.compile(r"哪(?:些|几)[个家]?[\u4e00-\u9fff]{0,3}?(?:部门|单位|机构|部委|厅局)|几个(?:部门|单位|机构|部委)|"
                      r"\bwhich\s+(?:[A-Za-z-]+\s+){0,3}?(?:departments|agencies|offices|ministries|bureaus|units|authorities)\b",
                      re.IGNORECASE)
# a bare 谁 asks who, but not always which office is in charge: "组长是谁" asks for a person,
# "赤泥是谁产生的" for a producer
_WHO = re.compile(rf"{_WHO_OFFICE.pattern}|谁", re.IGNORECASE)

# a part of a question asks when it has a question word or particle, an "A不A" ("能不能", "有没有"),
# or ends in "不/没" ("能进园区不", "有关系没"); the other parts ("八部门那个方案", "我们园区还有锰渣") only set the context
_ASKING = re.compile(r"[吗么呢啥谁几哪咋]|什么|多少|如何|怎么|怎样|是否|能否|可否|([\u4e00-\u9fff])[不没]\1|干嘛|意思|[没不否]$")
# (after a joining word: "and what's their main bottleneck")
_EN_ASKING = re.compile(r"^(?:(?:and|also|plus|but|or|so|then)\s+)?"
                        r"(?:is|are|can|could|do|does|did|will|would|may|should|what|which|how|who|when|where|why)\b")
# a 几 that asks nothing: "好几家" (several), "几乎" (almost); "几十个" may ask ("培育几十个？") and stays
_INDEFINITE_JI = re.compile(r"好几|几乎")
# a year written with two digits ("27年", "30年前"), read as this century's: the documents write four
_SHORT_YEAR = re.compile(r"(?<![\d.])([1-9]\d)(?=\s*年(?!代|度|内|来|以))")

# what kind of answer a question (or a part of it) asks for, by its question word, and what such an
# answer looks like in the documents' own formats ("工信部联节〔2024〕225号", "2022年1月27日", "15%",
# "增值税、企业所得税"): the first that applies
# a date to the month answers "when" more closely than a year alone ("一期于2022年1月建成投产"
# before "确保到2025年……全部项目建成投产")
DATED = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月")
DATE = re.compile(DATED.pattern + r"|\d{4}\s*年")
# a measured figure (15%, 180万吨, 1.85亿元), and any stated quantity (also a count: 4大行动, 2个项目)
MEASURE = re.compile(r"\d[\d.]*\s*(?:%|％|万吨|亿吨|吨|亿元|万元|元|个百分点)")
QUANTITY = re.compile(r"\d[\d.]*\s*(?:%|％|万吨|亿吨|吨|亿元|万元|元|家|个|项|大|座|倍|个百分点)")
KINDS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"文号|字号|document number", re.IGNORECASE), re.compile(r"〔\d{4}〕\s*\d+\s*号")),
    (re.compile(r"什么时候|啥时候|何时|哪年|哪一年|哪天|日期|\bwhen\b", re.IGNORECASE), DATE),
    (re.compile(r"多少|多大|多高|数字|数值|具体数|how much|how many|how (?:big|large|high)|百分之几|几成", re.IGNORECASE), MEASURE),
    # a target is a figure for a year ("到 2027 年……新增赤泥综合利用率达到 15%"), whether or not
    # the sentence says 目标
    (re.compile(r"目标|指标|\btargets?\b|\bgoals?\b", re.IGNORECASE),
     re.compile(r"(?:到|至)\s*20\d\d\s*年[^\n]*?\d[\d.]*\s*(?:%|％|万吨|亿吨|个百分点)")),
    # a why-question is answered by the sentence that gives a reason ("由于我省地处黄河流域……")
    (re.compile(r"为什么|为啥|为何|什么原因|啥原因|\bwhy\b", re.IGNORECASE), re.compile(r"由于|因为|鉴于|受[^。，]{0,12}(?:约束|影响|限制)")),
    # a tax question is answered by the taxes a provision names, not only by "税收优惠": taxes listed
    # by name ("增值税、企业所得税和环境保护税"), not one word ending in 税 ("用好财税、金融")
    (re.compile(r"税|\btax", re.IGNORECASE),
     re.compile(r"[\u4e00-\u9fff]{2,6}税[、，,和及与][\u4e00-\u9fff]{2,6}税(?=[、，,。；;和及等与\s])")),
]


def asking_clause(question: str) -> str:
    """The part of a question that asks (Chinese puts it last: "我们用赤泥做砖，有税收优惠吗？"; so
    does English, whose words are not parts: "We make bricks, is there a tax break?")."""
    stops = r"[，,。？?！!；;]+" if detect_language(question) == "en" else r"[，,。？?！!；;\s]+"
    parts = [p.strip() for p in re.split(stops, question) if p.strip()]
    return parts[-1] if parts else question


def asks_who(text: str) -> bool:
    """Whether ``text`` (a question or one part of it) asks who does something."""
    return bool(_WHO.search(text)) or _has(text.lower(), INTENT_RULES[0][1])


def asks_office(text: str) -> bool:
    """Whether ``text`` asks which office is in charge ("哪个部门负责", "归谁管", "Which department
    handles…"), not only who someone is ("组长是谁", "谁产生的"): only then is "the documents list
    no responsible unit" an answer to it."""
    return bool(_WHO_OFFICE.search(text)) or _has(text.lower(), INTENT_RULES[0][1])


def asks_offices(text: str) -> bool:
    """Whether ``text`` asks for several offices ("跟哪些部门沟通"): each one named is part of the answer."""
    return bool(_OFFICES.search(text))


# "山东哪些地方…", "Which Henan cities…": asks for places inside the place it names
_WHERE = re.compile(r"哪(?:些|几个|个)(?:地方|城市|地市|市(?!场)|县|地区|区县)|"
                    r"\bwhich\s+(?:[A-Za-z]+\s+)?(?:cities|places|regions|prefectures|counties)\b|\bwhere\b", re.IGNORECASE)


# "哪几个省", "which provinces": asks for the names of provinces, wherever they stand
_PROVINCES = re.compile(r"哪(?:些|几个|个)省(?:份|区)?|\bwhich\s+(?:[A-Za-z]+\s+)?provinces\b", re.IGNORECASE)
# …or compares the provinces two documents name ("点名的省份有啥不同", "专栏里的省 有啥区别")
_PROVINCES_NAMED = re.compile(r"省份|的省(?=[\s，,和跟与有]|$)|\bprovinces\b", re.IGNORECASE)
_DIFFERS = re.compile(r"不同|区别|不一样|差别|差异|\bdiffer", re.IGNORECASE)


def asks_provinces(text: str) -> bool:
    """Whether ``text`` asks for the names of provinces, or compares the provinces it speaks of."""
    return bool(_PROVINCES.search(text)) or bool(_PROVINCES_NAMED.search(text) and _DIFFERS.search(text))


def asked_kind(text: str, context: str = "") -> re.Pattern[str] | None:
    """The form of the answer ``text`` asks for (a document number, a date, a measured figure, a
    reason, the taxes by name, the places inside a place it or its ``context`` names, the
    provinces), if any."""
    if asks_provinces(text):
        return places_at_level(1)
    inside = asked_inside(text, context)
    if inside is not None:
        return places_within(inside.code)
    return next((form for asks, form in KINDS if asks.search(text)), None)


def kind_words(kind: re.Pattern[str], words: Iterable[str]) -> set[str]:
    """The words that ask for ``kind`` ("税收" asks for the taxes by name, "多少" for a figure): a
    sentence of that kind answers them, whether or not it repeats them."""
    asks = next((a for a, form in KINDS if form is kind), None)
    return {w for w in words if asks is not None and asks.search(w)}


def asked_inside(text: str, context: str = "") -> Place | None:
    """The province or city whose places ``text`` asks for ("山东哪些地方…" -> 山东), else the one its
    ``context`` names ("I run a refinery in Guizhou. … which cities are named…"): it is where the
    answer's places are, not what the answer is about."""
    if not _WHERE.search(text):
        return None
    gazetteer = load_gazetteer()
    return next((p for t in (text, context) for p in gazetteer.find(t) if 0 < p.level < 3), None)


@lru_cache(maxsize=64)
def places_within(code: str) -> re.Pattern[str]:
    """The names of the places inside ``code`` (full and short, from the gazetteer), as one pattern."""
    gazetteer = load_gazetteer()
    top = gazetteer.places[code]
    names = {form for p in gazetteer.places.values() if p.level > top.level and gazetteer.within(p.code, code)
             for form in (p.name, p.short if p.level <= 2 else "") if len(form) >= 2}  # (a county's short name may be a word: 城区)
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


@lru_cache(maxsize=4)
def places_at_level(level: int) -> re.Pattern[str]:
    """The names of every place of ``level`` (1: the provinces), full and short, as one pattern."""
    names = {form for p in load_gazetteer().places.values() if p.level == level
             for form in (p.name, p.short) if len(form) >= 2}
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


# an English who-question's frame ("Who is responsible for", "Which departments are in charge of")
_WHO_FRAME = re.compile(
    rf"\b(?:who|which (?:[A-Za-z-]+\s+){{0,3}}?{_OFFICE_EN})\b"
    r"(?:\s+(?:is|are|will be|should be|would be))?(?:\s+(?:responsible|in charge|tasked|leading|leads?|handles?|manages?|oversees?|supervises?|coordinates?|runs?))?(?:\s+(?:for|of|with))?",
    re.IGNORECASE)

# words that ask *who* rather than *about what*: they would match any clause naming an office
AGENCY_META = ["责任单位", "责任部门", "负责单位", "负责部门", "主管部门", "哪个部门", "哪些部门", "什么部门", "谁负责", "是谁", "涉及哪些", "有哪些单位"]


@dataclass
class PlaceCoverage:
    """A place the question names, and what the index holds for it (set by retrieval)."""

    place: Place
    own: bool = False  # a document of this very place is indexed
    covering: Place | None = None  # the nearest place below the nation, itself or above, with a document

    @property
    def covered(self) -> bool:
        return self.covering is not None


@dataclass
class Analysis:
    question: str
    language: str = "zh"  # zh | en: the language the question is written in (retrieval reads it)
    # the language the answer is framed in, where the asker chose one (a group's setting); None: the question's
    reply_language: str | None = None
    intent: str = "other"
    places: list[Place] = field(default_factory=list)  # places below the nation named, in order of mention
    national: bool = False  # the question names the national level (国家, 全国, nationwide)
    # filled by retrieval from the indexed documents, one per place in ``places``:
    coverage: list[PlaceCoverage] = field(default_factory=list)
    # the ``jurisdiction`` values of indexed documents for the places named ("national" when the
    # question names the nation or only places no document covers) and the labels of places no
    # document covers: the older composer's view, derived from ``coverage`` by retrieval
    jurisdictions: set[str] = field(default_factory=set)
    documents: list[str] = field(default_factory=list)  # ids of the documents it names or refers to (set by retrieval)
    other_places: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)  # rate | deadline | procedure
    parts: list[str] = field(default_factory=list)  # the parts that ask something (one for a simple question)
    context: str = ""  # the parts that do not ask ("八部门那个方案"): what every asking part is about
    is_yes_no: bool = False
    retrieval_text: str = ""  # the question plus glossary terms (dense side)
    keyword_text: str = ""  # the same without words that only say what kind of answer is wanted

    @property
    def answer_language(self) -> str:
        """The language the answer is framed in: the one chosen for it, else the question's."""
        return self.reply_language or self.language

    # what the question asks, read once from its words (retrieval, citing and the first line all use it)
    @cached_property
    def asking(self) -> str:
        """The clause of the question that asks (:func:`asking_clause`)."""
        return asking_clause(self.question)

    @cached_property
    def kind(self) -> re.Pattern[str] | None:
        """The form of answer asked for (:func:`asked_kind`): by the clause that asks, else by the
        last other part that asks for one ("有没有写具体数字？跟国家比咋样": a figure)."""
        texts = dict.fromkeys([self.asking, *reversed(self.parts)])  # the asking clause is often the last part
        # (what a part sets aside, "Apart from tax breaks", is not the kind it asks for)
        found = next((kind for text in texts if (kind := asked_kind(without_exceptions(text), self.context)) is not None), None)
        if found is None and asks_provinces(self.question):
            return places_at_level(1)  # the provinces compared may be named before the part that asks
        return found

    @cached_property
    def inside(self) -> Place | None:
        """The place whose places are asked for (:func:`asked_inside`): where, not what."""
        return asked_inside(self.asking, self.context)


def detect_language(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 3 * max(cjk, 1) else "zh"


def _has(text: str, terms: list[str]) -> bool:
    return any(t in text for t in terms)


def question_parts(question: str) -> tuple[list[str], str]:
    """The parts of a question that ask something, in order ("指导思想跟双碳有关系没？基本原则有哪几条"
    asks two things), and the rest, which sets their context ("八部门那个方案"). Parts are cut at
    punctuation and spaces (at "?" and ";" in English); a question without any asking part is one part."""
    if detect_language(question) == "en":
        # a statement ending in a full stop is context ("We make pavers in Shandong. Which bricks…?")
        pieces = [p.strip() for p in re.split(r"[?;？；]+|(?<=[A-Za-z\d)][.!])\s+(?=[A-Z])", question) if p.strip()]
        # a piece asks when it, or a clause of it, opens with a question word ("In Guizhou, which bodies…")
        asking = [p for p in pieces if any(_EN_ASKING.match(c.lower()) for c in re.split(r"[,.:]\s+", p))]
    else:
        pieces = [p for p in re.split(r"[，,。？?！!；;\s]+", question) if p.strip()]
        asking = [p for p in pieces if _ASKING.search(p)]
    if not asking:
        return [question.strip()], ""
    return asking, " ".join(p for p in pieces if p not in asking)


# "除了银行贷款还有啥", "Besides tax, does…": what follows 除了 / besides is what the asker already
# knows and does not want again; the span ends where the sentence goes on (还, 也, a comma, 以外)
_EXCEPT = re.compile(r"除(?:了|去|开)(.{1,12}?)(?=以外|之外|外[，,\s还也]|[，,。？?！!；;\s]|还|也|另外|$)|"
                     r"\b(?:besides|apart from|aside from|other than|except(?: for)?)\s+([^,;?.!]+)", re.IGNORECASE)


def without_exceptions(text: str) -> str:
    """The text less what it sets aside ("除了银行贷款", "besides tax")."""
    return _EXCEPT.sub(" ", text)


def outside_exceptions(question: str, weights: dict[str, float]) -> dict[str, float]:
    """The weights without the words the question sets aside ("除了银行贷款还有啥融资路子": 银行, 贷款),
    unless the rest of the question uses them too; English spans count by the terms they translate
    to. The first line answers what is asked beyond them."""
    spans = [m.group(1) or m.group(2) for m in _EXCEPT.finditer(question)]
    if not spans:
        return weights
    rest = without_exceptions(question)
    aside = " ".join([*spans, *(t for span in spans for t in expand(span))])
    kept = " ".join([rest, *expand(rest)])
    out = {t: w for t, w in weights.items() if t not in aside or t in kept}
    return out if out else weights


# "会员单位咨询：…", "有企业问：…", "客户问了个问题：…": a lead-in that reports who asks. Its words
# (会员, 单位, 咨询) are no topic, and "单位" would pull a sentence about 成员单位 over the one asked
# about; a place it names stays ("贵州会员咨询：…" asks about 贵州)
_RELAYED = re.compile(r"^\s*([^：:？?。！!\n]{0,16}?)(?:来|想|要)?(?:咨询|询问|请教|反映|提问|问|了解)"
                      r"(?:一下|个问题|了个问题|了)?\s*[：:]\s*(?=\S)")


def without_relay(text: str) -> str:
    """The question without a lead-in that says who relays it, keeping the places that lead-in names."""
    m = _RELAYED.match(text)
    if m is None:
        return text
    rest = text[m.end():]
    gazetteer = load_gazetteer()
    named = {p.code for p in gazetteer.find(rest)}
    places = " ".join(p.name for p in gazetteer.find(m.group(1)) if p.code not in named)
    return f"{places} {rest}" if places else rest


def definite(text: str) -> str:
    """``text`` with each indefinite 几 read as 许, which no rule asks with ("好几家" -> "好许家"): what
    reads a question for a count or a figure reads this."""
    return _INDEFINITE_JI.sub(lambda m: m.group(0).replace("几", "许"), text)


def full_years(text: str) -> str:
    """Two-digit years as the documents write them: "27年" -> "2027年"."""
    return _SHORT_YEAR.sub(lambda m: "20" + m.group(1), text)


def analyse(question: str) -> Analysis:
    lower = definite(question.lower())  # the intent and the asks: "好几家" asks no count
    language = detect_language(question)
    named = load_gazetteer().find(question)
    parts, context = question_parts(full_years(question))
    # who is asked is the form of a part that asks ("哪些部门管"), not a word the asker says of himself:
    # "我们协会想牵头弄个团标 贵州鼓励社会团体搞这个吗" asks whether, not who; the topic is the whole question's
    asked = " ".join(parts) or question
    intent = ("agency" if asks_who(asked)
              else next((name for name, terms in INTENT_RULES[1:] if _has(lower, terms)), "other"))
    # "哪几个地方" asks which, not how many; what the question sets aside ("除了税收…") is not asked
    asks_text = without_exceptions(lower).replace("哪几", "哪")
    asks = [name for name, terms in SPECIFIC_ASKS if _has(asks_text, terms)]
    if "quantity" not in asks and _MEASURE_ASK.search(asks_text):
        asks.append("quantity")
    is_yes_no = bool(re.search(r"(吗|(?<![什怎那多这])么|是否|能否|可否|有没有|能不能|可不可以)[？?。!！\s]*$", question)) or bool(
        re.match(r"^(is|are|can|do|does|will|may)\b", lower)
    )
    latin = language == "en" or bool(re.search(r"[A-Za-z]{3,}", question))
    extra = expand(question) if latin else []
    retrieval_text = " ".join([full_years(question), *extra])
    keyword_text = retrieval_text
    if intent == "agency":
        # "who is responsible for X" is about X: the offices come from the clause that is about X
        topic = _WHO.sub(" ", _WHO_FRAME.sub(" ", re.sub("|".join(AGENCY_META), " ", full_years(question)))).strip()
        retrieval_text = " ".join([topic, *(expand(topic) if latin else [])]) if topic else retrieval_text
        # the words that ask who ("which departments", "哪几个单位") are no topic either; a verb of
        # charge is ("leads": 牵头)
        asked = _WHO.sub(" ", full_years(question))
        keyword_text = re.sub("|".join(AGENCY_META), " ", " ".join([asked, *(expand(asked) if latin else [])]))
    return Analysis(
        question=question,
        language=language,
        intent=intent,
        places=[p for p in named if p.level > 0],
        national=any(p.level == 0 for p in named),
        asks=asks,
        is_yes_no=is_yes_no,
        parts=parts,
        context=context,
        retrieval_text=retrieval_text,
        keyword_text=keyword_text,
    )

