"""Understand a question before retrieving: language, jurisdiction, intent, and what it asks for.

Rules, not a model: they are cheap, predictable and easy to extend. Jurisdictions are named
("贵州") or implied by a city or a company ("遵义", "中州铝业"); they boost those documents,
while national documents stay eligible because they apply everywhere. English questions get a
small glossary so that the keyword side can match the Chinese text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chains.glossary import expand

JURISDICTION_TERMS: dict[str, list[str]] = {
    "guizhou": ["贵州", "贵阳", "遵义", "黔东南", "黔南", "黔西南", "毕节", "安顺", "六盘水", "铜仁", "黔晟", "guizhou", "guiyang", "zunyi"],
    "henan": ["河南", "郑州", "洛阳", "三门峡", "豫", "henan", "zhengzhou", "luoyang", "sanmenxia"],
    "jiaozuo": ["焦作", "中州铝业", "强耐新材", "jiaozuo", "zhongzhou"],
    "national": ["国家", "全国", "中央", "国务院", "工信部", "八部门", "六部门", "national", "nationwide", "central government", "state council"],
}
PARENT = {"jiaozuo": "henan"}
# places with no document of their own in the bundled knowledge base
OTHER_PLACES = [
    "北京", "天津", "上海", "重庆", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "湖北", "湖南", "广东", "广西", "海南", "四川", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏",
    "新疆", "深圳", "广州", "杭州", "南京", "武汉", "成都", "西安", "百色", "淄博", "滨州", "运城",
]

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
    ("rate", ["比例", "税率", "减按", "百分之", "几成", "多少钱", "金额", "额度", "多少补贴", "补多少", "退多少", "减免多少", "what rate", "what percentage", "how much tax"]),
    ("deadline", ["截止", "期限", "什么时候申请", "何时申请", "申报时间", "deadline"]),
    ("quantity", ["多少", "几个", "几项", "几家", "几大", "几倍", "几年", "数值", "how much", "how many", "what is the rate"]),
    ("time", ["什么时候", "何时", "哪一年", "哪年", "哪天", "when "]),
    ("procedure", ["申请材料", "什么材料", "怎么申请", "如何申请", "申请流程", "申报流程", "办理流程", "手续", "申请条件", "申报条件",
                   "how to apply", "application", "documents required", "eligib"]),
]

# colloquial words -> the documents' vocabulary (keyword side)
SYNONYMS: dict[str, str] = {
    "补贴": "资金 奖补 支持", "补助": "资金 支持", "奖励": "奖补", "减税": "税收优惠", "税收": "财税", "税": "财税", "免税": "税收优惠", "退税": "税收优惠",
    "钱": "资金", "贷款": "信贷", "银行": "金融 信贷", "做砖": "烧结砖 免烧砖", "砖": "烧结砖 免烧砖 建筑材料",
    "修路": "路基材料 路面材料", "水泥": "水泥 胶凝材料", "谁管": "牵头", "地": "用地", "土地": "用地",
    "碱": "降碱 脱碱", "铁": "提铁 选铁", "堆存": "堆存 贮存", "目标": "达到",
}
# words that ask *who* rather than *about what*: they would match any clause naming an office
AGENCY_META = ["责任单位", "责任部门", "负责单位", "负责部门", "主管部门", "哪个部门", "哪些部门", "什么部门", "谁负责", "是谁", "涉及哪些", "有哪些单位"]


@dataclass
class Analysis:
    question: str
    language: str = "zh"  # zh | en
    intent: str = "other"
    jurisdictions: set[str] = field(default_factory=set)
    other_places: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)  # rate | deadline | procedure
    is_yes_no: bool = False
    retrieval_text: str = ""  # the question plus glossary terms (dense side)
    keyword_text: str = ""  # the same without words that only say what kind of answer is wanted


def detect_language(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 3 * max(cjk, 1) else "zh"


def _has(text: str, terms: list[str]) -> bool:
    return any(t in text for t in terms)


def analyse(question: str) -> Analysis:
    lower = question.lower()
    language = detect_language(question)
    jurisdictions = {j for j, terms in JURISDICTION_TERMS.items() if _has(lower, terms)}
    if re.search(r"国家(?:方案|文件|层面|政策|行动方案)|全国", question):
        jurisdictions.add("national")
    others = [p for p in OTHER_PLACES if p in question]
    if others and not jurisdictions:
        jurisdictions = {"national"}  # no local document: the national provisions apply everywhere
    intent = next((name for name, terms in INTENT_RULES if _has(lower, terms)), "other")
    asks = [name for name, terms in SPECIFIC_ASKS if _has(lower, terms)]
    is_yes_no = bool(re.search(r"(吗|(?<![什怎那多这])么|是否|能否|可否|有没有|能不能|可不可以)[？?。!！\s]*$", question)) or bool(
        re.match(r"^(is|are|can|do|does|will|may)\b", lower)
    )
    extra = expand(question) if language == "en" or re.search(r"[A-Za-z]{3,}", question) else []
    extra += [words for term, words in SYNONYMS.items() if term in question]
    retrieval_text = " ".join([question, *extra])
    keyword_text = retrieval_text
    if intent == "agency":
        keyword_text = re.sub("|".join(AGENCY_META), " ", keyword_text)
    return Analysis(
        question=question,
        language=language,
        intent=intent,
        jurisdictions=jurisdictions,
        other_places=others,
        asks=asks,
        is_yes_no=is_yes_no,
        retrieval_text=retrieval_text,
        keyword_text=keyword_text,
    )
