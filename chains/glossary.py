"""English → the documents' Chinese vocabulary, for the keyword side of English questions.

e5 embeddings are multilingual, so the dense side understands English on its own; BM25 only
matches the documents' own words. Each entry is a regular expression over the lower-cased
question (word-initial, so "product" does not match "production").
"""

from __future__ import annotations

import re

from knowledge.gazetteer import load_gazetteer

_ENTRIES: list[tuple[str, str]] = [
    # the subject
    (r"red[\s-]?mud|bauxite residue", "赤泥"), (r"alumina", "氧化铝"), (r"bauxite", "铝土矿"),
    (r"utili[sz]ation rate|utili[sz]ation ratio", "综合利用率"), (r"utili[sz]|reuse|re-use|comprehensive use", "综合利用"),
    (r"solid waste", "固废"), (r"industrial", "工业"), (r"bulk", "大宗"), (r"recycl|renewable resource", "再生资源"),
    (r"smelting slag|slag", "冶炼渣"), (r"smelt", "冶炼"), (r"tailings?", "尾矿"), (r"phosphogypsum", "磷石膏"),
    (r"gypsum", "石膏"), (r"fly ash", "粉煤灰"), (r"scrap steel|scrap iron", "废钢铁"), (r"batter(y|ies)", "动力电池"),
    (r"plastics?", "塑料"),
    # money and incentives
    (r"tax", "税收 优惠"), (r"vat|value[- ]added tax", "增值税"), (r"income tax", "企业所得税"),
    (r"environmental protection tax", "环境保护税"), (r"incentive|preferential", "优惠 支持"),
    (r"subsid|grant", "资金 奖补 支持"), (r"loans?|lending", "贷款 信贷"), (r"green credit", "绿色信贷"),
    (r"bonds?", "债券"), (r"funds?|funding", "基金 资金"), (r"financ", "金融 财政"), (r"land", "用地"),
    (r"procurement|purchas", "政府采购"), (r"social capital|private capital|private investment", "社会资本"),
    # who
    (r"responsib|in charge", "责任单位"), (r"departments?|agenc(y|ies)", "部门 单位"), (r"lead(s|ing)?\b|leads?\b", "牵头"),
    (r"leading group", "领导小组"), (r"office", "办公室"), (r"ministr", "部"), (r"bureau", "局"),
    (r"compan(y|ies)|enterprises?|firms?", "企业"),
    # what and how much
    (r"standards?", "标准"), (r"group standards?", "团体标准"), (r"targets?|goals?", "目标"), (r"new(ly)?\b", "新增"),
    (r"technolog", "技术"), (r"innovation", "创新"), (r"research", "研发 研究"), (r"research cent", "研发中心"),
    (r"platform", "平台"), (r"demonstration", "示范"), (r"pilot", "试点"), (r"projects?", "项目"), (r"bases?\b", "基地"),
    (r"parks?\b", "园区"), (r"products?\b", "产品"), (r"produc(e|ed|ing)\b|make|made|manufactur", "生产"),
    (r"generat|output|amount of red mud|how much red mud", "产生量"), (r"stock|storage|stockpil", "堆存 存量"),
    (r"source", "源头"), (r"reduc", "减量 减少"), (r"dealkali|alkali", "脱碱 降碱"), (r"moisture|dewater", "含水率"),
    (r"iron", "提铁 选铁 铁"), (r"steel", "钢铁"), (r"bricks?", "砖"), (r"cement", "水泥"), (r"concrete", "混凝土"),
    (r"roads?|paving|pavement|roadbed", "路基 路面"), (r"building materials?|construction materials?", "建材 建筑材料"),
    (r"chemical", "化工"), (r"soil", "土壤"), (r"backfill|mine filling|filling", "充填 回填"),
    (r"rare (earth|metal)|precious metal", "稀有金属 稀贵金属"), (r"gallium", "镓"), (r"scandium", "钪"),
    (r"titanium", "钛"), (r"lithium", "锂"), (r"vanadium", "钒"), (r"metals?", "金属"),
    (r"policy|policies", "政策"), (r"measures?", "措施"), (r"plan\b|plans\b", "方案"), (r"problems?|difficult", "问题 难题"),
    (r"publicity|promotion|awareness", "宣传"), (r"cooperation|collaborat", "合作 协同"),
    # levels and names (places themselves come from the gazetteer's pinyin, below)
    (r"state council|central government", "国家"), (r"provinc", "省"),
    (r"zhongzhou", "中州铝业"), (r"qiangnai", "强耐新材"), (r"xinmeijia", "新美家"), (r"chalco", "中铝"),
    (r"2025", "2025年"), (r"2027", "2027年"), (r"2030", "2030年"), (r"2021", "2021年"), (r"2024", "2024年"),
]
_COMPILED = [(re.compile(rf"\b(?:{pattern})"), zh) for pattern, zh in _ENTRIES]


def expand(question: str) -> list[str]:
    """The Chinese terms an English question refers to, in glossary order, then the Chinese names
    of the places it names (by their pinyin in the gazetteer), without repeats."""
    lower = question.lower()
    terms = [zh for pattern, zh in _COMPILED if pattern.search(lower)]
    terms += [place.label for place in load_gazetteer().find(question) if place.latin]
    return list(dict.fromkeys(terms))
