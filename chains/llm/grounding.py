"""The grounding check every LLM answer passes before a user sees it (pure functions).

Why: the model may invent a figure, cite a clause it was not given, name an agency or a document
that is in no clause, or (under prompt injection) repeat its instructions. We check the text of
the answer against the numbered clauses it was given and return a list of violations; the
composer repairs once or falls back to the extractive answer. Nothing outside the clauses (and,
for "the documents do not specify X" sentences, the user's own question) can pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chains.llm.numbers import extract_figures, figure_keys, figure_supported, normalise

# [1], [1][2], [1, 2], [1-3], 【1】, ［１］: matched as written so the answer can be rewritten in place
CITATION = re.compile(r"[\[［【]\s*([\d０-９]+(?:\s*[,，、\-–]\s*[\d０-９]+)*)\s*[\]］】]")
_TITLE = re.compile(r"《([^《》]{1,80})》")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")
_LIST_MARKER = re.compile(
    r"^\s*(?:[-*•·]\s*|\d{1,2}[.、)）]\s*|[（(]\d{1,2}[)）]\s*|#+\s*"
    r"|[一二三四五六七八九十]{1,3}[、.]\s*|[（(][一二三四五六七八九十]{1,3}[)）]\s*)"
)
_NO_INFO = re.compile(
    r"未(?:明确|具体)?(?:规定|提及|提到|涉及|载明|说明|明确)|没有(?:明确|具体)?(?:规定|提及|提到|涉及|说明|相关)"
    r"|并未|未见|无相关|不涉及|未找到|没有找到|没有给出|未给出"
    r"|(?:do|does|did)\s+not\s+(?:specify|say|mention|state|cover|address|provide)"
    r"|not\s+(?:specified|stated|mentioned|covered)|no\s+(?:information|mention|provision)",
    re.IGNORECASE,
)
# agency names end with one of these (longest first); the guards skip ordinary words (部署, 布局…)
_AGENCY_SUFFIX = re.compile(r"委员会|办公室|税务局|公司|厅|局|部|委")
_NOT_AGENCY_AFTER = {"部": "署分门位件长队", "局": "面限势部", "委": "员托屈婉", "厅": "堂"}
_NOT_AGENCY_BEFORE = {
    "部": "全内外东西南北中局底头干基总细",
    "局": "布格全结大当",
    "厅": "大客餐展",
    "委": "",
}
_CJK = re.compile(r"[\u4e00-\u9fff]+$")
_FUNCTION_PREFIX = re.compile(
    r"^(?:由|向|与|和|及|会同|经|请|联系|咨询|是|为|等|的|在|对|需|可|按|据|根据|通过|报|由各)+"
)
PLACES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 "
    "陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 郑州 洛阳 焦作 三门峡 开封 安阳 新乡 平顶山 许昌 鹤壁 "
    "濮阳 漯河 南阳 商丘 信阳 周口 驻马店 济源 贵阳 遵义 六盘水 安顺 毕节 铜仁 黔东南 黔南 黔西南 修武 沁阳 博爱 "
    "孟州 温县 武陟 国家 中央 全国"
).split()
_MIN_SHINGLE = 14


@dataclass(frozen=True)
class Source:
    """One numbered clause as the model saw it."""

    n: int
    text: str
    doc_title: str = ""
    section: str = ""
    units: tuple[str, ...] = ()
    date: str | None = None

    @property
    def haystack(self) -> str:
        return normalise(
            "\n".join([self.text, self.doc_title, self.section, " ".join(self.units), self.date or ""])
        )


@dataclass(frozen=True)
class Violation:
    kind: str  # unknown_citation | uncited | figure | agency | document | disclosure | empty
    detail: str

    def __str__(self) -> str:
        labels = {
            "unknown_citation": "unknown citation",
            "uncited": "uncited sentence:",
            "figure": "invented figure",
            "agency": "agency not in the clauses:",
            "document": "document not in the clauses:",
            "disclosure": "prompt disclosure",
            "empty": "empty answer",
        }
        return f"{labels.get(self.kind, self.kind)} {self.detail}".strip()


@dataclass
class Sentence:
    text: str  # as written, markers included
    cites: list[int] = field(default_factory=list)

    @property
    def bare(self) -> str:
        return strip_citations(self.text).strip()


def parse_citations(text: str) -> list[int]:
    """Citation numbers in order of appearance; [1-3] expands to 1, 2, 3."""
    out: list[int] = []
    for m in CITATION.finditer(text):
        for part in re.split(r"\s*[,，、]\s*", normalise(m.group(1))):
            rng = re.fullmatch(r"(\d+)\s*[\-–]\s*(\d+)", part)
            if rng:
                a, b = int(rng.group(1)), int(rng.group(2))
                out.extend(range(a, b + 1) if 0 < b - a < 20 else [a, b])
            else:
                out.append(int(part))
    return out


def strip_citations(text: str) -> str:
    return CITATION.sub("", text)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their citation markers; a marker placed after the full stop ("…。[2]")
    belongs to the sentence before it."""
    pieces = [p for p in _SENTENCE_END.split(text) if p and p.strip()]
    sentences: list[Sentence] = []
    for piece in pieces:
        lead = re.match(r"^\s*((?:" + CITATION.pattern + r"\s*)+)(?P<rest>.*)$", piece, re.S)
        if lead and sentences:
            sentences[-1].text += lead.group(1)
            sentences[-1].cites.extend(parse_citations(lead.group(1)))
            piece = lead.group("rest")
            if not piece.strip():
                continue
        sentences.append(Sentence(piece.strip(), parse_citations(piece)))
    return sentences


def is_no_info(sentence: str) -> bool:
    """A sentence that only says the documents do not specify something needs no citation."""
    return bool(_NO_INFO.search(sentence))


def _is_lead_in(bare: str) -> bool:
    """Headings, lead-ins and questions ("根据现有文件：", "**国家层面**", "一、河南", "…呢？")
    state nothing by themselves (figures, titles and agencies in them are still checked)."""
    core = re.sub(r"[*_#>\s]", "", _LIST_MARKER.sub("", bare))
    if not core:
        return True
    if extract_figures(core) or _TITLE.search(core):
        return False
    if core.endswith((":", "：", "?", "？")):
        return True
    heading = bare.strip().startswith(("**", "#")) and len(core) <= 20
    return heading or (len(core) <= 12 and not re.search(r"[。！!；;.,，、]", core))


def extract_titles(text: str) -> list[str]:
    return [m.group(1).strip() for m in _TITLE.finditer(normalise(text))]


def unknown_agencies(text: str, scopes: list[tuple[str, str]]) -> list[str]:
    """Agency names in `text` that occur in none of the `scopes` (haystack, title) pairs.

    The longest tail of the name found in a haystack counts; a place written before it
    ("河南" + "省财政厅") must be written there too, or be the place of that document's title.
    """
    haystack = "\n".join(h for h, _ in scopes)
    text = normalise(text)
    unknown: list[str] = []
    for m in _AGENCY_SUFFIX.finditer(text):
        suffix, start, end = m.group(0), m.start(), m.end()
        if len(suffix) == 1:
            if text[end : end + 1] and text[end] in _NOT_AGENCY_AFTER.get(suffix, ""):
                continue
            if start and text[start - 1] in _NOT_AGENCY_BEFORE.get(suffix, ""):
                continue
        run_match = _CJK.search(text[max(0, start - 16) : start])
        run = run_match.group(0) if run_match else ""
        if len(run) < 1:
            continue  # a bare suffix ("局") is no name
        known = ""
        for k in range(len(run)):
            candidate = run[k:] + suffix
            if candidate in haystack:
                known = candidate
                break
        if known and len(known) >= len(suffix) + 2:
            rest = run[: len(run) - (len(known) - len(suffix))]
            place = next((p for p in PLACES if rest.endswith(p)), None)
            if place is None:
                continue
            full = place + known
            if any(full in h or (known in h and place in title) for h, title in scopes):
                continue
            unknown.append(full)
        else:
            name = _FUNCTION_PREFIX.sub("", run[-12:]) + suffix
            if len(name) >= len(suffix) + 2:
                unknown.append(name)
    return unknown


def _shingles(text: str, size: int = _MIN_SHINGLE) -> set[str]:
    compact = re.sub(r"\s+", "", normalise(text))
    return {compact[i : i + size] for i in range(max(0, len(compact) - size + 1))}


def discloses(answer: str, secret: str, sources_text: str) -> bool:
    """True when the answer repeats a run of the instructions that is not clause text."""
    if not secret:
        return False
    overlap = _shingles(answer) & _shingles(secret)
    return bool(overlap - _shingles(sources_text))


def check_answer(
    answer: str, sources: list[Source], *, question: str = "", secret: str = ""
) -> list[Violation]:
    """Every violation of the grounding rules in `answer`, given the numbered `sources`.

    `question` may supply the names and figures of a "the documents do not specify X" sentence;
    `secret` is the instruction text the answer must not repeat.
    """
    if not answer or not answer.strip():
        return [Violation("empty", "")]
    by_n = {s.n: s for s in sources}
    everything = "\n".join(s.haystack for s in sources)
    all_keys = figure_keys(everything)
    scopes = [(s.haystack, normalise(s.doc_title)) for s in sources]
    question = normalise(question)
    violations: list[Violation] = []

    def add(v: Violation) -> None:
        if v not in violations:
            violations.append(v)

    for sentence in split_sentences(answer):
        bare = sentence.bare
        if not bare:
            continue
        for n in sentence.cites:
            if n not in by_n:
                add(Violation("unknown_citation", f"[{n}]"))
        cited = [by_n[n] for n in sentence.cites if n in by_n]
        no_info = is_no_info(bare)
        if not cited and not no_info and not _is_lead_in(bare):
            add(Violation("uncited", f"«{bare[:60]}»"))
        if cited:
            hay = "\n".join(s.haystack for s in cited)
            keys = figure_keys(hay)
        else:
            hay, keys = (
                everything + ("\n" + question if no_info else ""),
                all_keys | (figure_keys(question) if no_info else set()),
            )
        body = _TITLE.sub("", _LIST_MARKER.sub("", bare))
        for fig in extract_figures(body):
            if not figure_supported(fig, keys, hay):
                add(Violation("figure", fig.surface))
        names_hay = everything + ("\n" + question if no_info else "")
        for title in extract_titles(bare):
            if title not in names_hay:
                add(Violation("document", f"《{title}》"))
        for agency in unknown_agencies(_TITLE.sub("", bare), scopes + ([(question, "")] if no_info else [])):
            add(Violation("agency", agency))
    if discloses(answer, secret, everything):
        add(Violation("disclosure", ""))
    return violations


def describe(violations: list[Violation], limit: int = 3) -> str:
    """A short reason for logs and `Answer.fallback_reason`."""
    text = "; ".join(str(v) for v in violations[:limit])
    more = len(violations) - limit
    return text + (f" (+{more} more)" if more > 0 else "")
