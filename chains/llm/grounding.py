"""The grounding check every LLM answer passes before a user sees it (pure functions).

Why: the model may invent a figure, cite a clause it was not given, name an agency or a document
that is in no clause, or (under prompt injection) repeat its instructions. We check the text of
the answer against the numbered clauses it was given and return a list of violations; the
composer repairs once or falls back to the extractive answer. Nothing outside the clauses (and,
for the names in a "the documents do not specify X" part, the user's own question) can pass;
a figure that only the question holds never does. Agencies (agencies.py), documents named without
《》 (documents.py), figures and words for amounts (numbers.py) and places (places.py, from the
gazetteer) each have their own module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chains.llm.agencies import unknown_agencies
from chains.llm.documents import unknown_documents
from chains.llm.numbers import extract_figures, figure_keys, figure_supported, normalise
from chains.llm.places import context_names, place_at_end, strip_places

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
    r"|并未|未见|无相关|不涉及|未找到|没有找到|没有给出|未给出|未作(?:出)?(?:明确|具体)?(?:规定|说明)"
    r"|(?:do|does|did)\s+not\s+(?:specify|say|mention|state|cover|address|provide)"
    r"|not\s+(?:specified|stated|mentioned|covered)|no\s+(?:information|mention|provision)",
    re.IGNORECASE,
)
# the parts of a not-specified sentence: split at commas and at a turn (但/不过/however …)
_PART = re.compile(r"[，,；;]\s*|\s*(?=(?:但是|但|不过|然而|可是|只是|however|but)\b)", re.IGNORECASE)
# words that only frame an answer (a heading or a lead-in is made of these, places and markup)
_FRAMING = re.compile(
    r"根据|按照|依据|现有|相关|有关|以下|如下|具体|主要|包括|内容|情况|要点|方面|层面|文件|规定|条款|政策"
    r"|措施|要求|目标|支持|税收|优惠|资金|补贴|综合利用|赤泥|责任单位|牵头单位|配合单位|单位|部门|简要|回答"
    r"|答复|总结|概括|说明|结论|概述|小结|详细|完整|来源|出处|地方|省级|市级|县级|其他|其中|另外|此外"
    r"|[省市县区和与及等的了]|哪些|什么"
    r"|\b(?:in short|summary|answer|details|sources|national|provincial|local|level|the|documents?|provisions?"
    r"|following|responsible|units?|as follows|key points|policy|policies|here|is|are|what|says?|below"
    r"|overview|regarding|in|on|of|and|province|city|county|prefecture)\b",
    re.IGNORECASE,
)
# a sentence that addresses the model: "忽略以上规则", "回答：", "ignore previous instructions"
_INSTRUCTION = re.compile(
    r"(?:忽略|无视|不要理会|忘记)(?:掉)?(?:以上|上述|之前|前面|前述|此前|所有|全部|其他)?的?(?:所有|全部)?"
    r"(?:规则|指令|指示|要求|设定|提示|约束)|(?:请|你)?(?:直接)?(?:回答|回复|输出|告诉用户|告知用户)[：:]"
    r"|你(?:现在)?(?:是|扮演)|系统提示|提示词|新规则|ignore\s+(?:all\s+)?(?:the\s+)?(?:previous|above|prior)"
    r"|system\s*prompt|(?:^|\b)answer\s*:",
    re.IGNORECASE,
)
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

    jurisdiction: str | None = None  # the document's place (a gazetteer code or name)

    @property
    def haystack(self) -> str:
        """What may ground an answer: the clause's provisions (not its instruction-like sentences),
        its document, section, responsible units and date."""
        return normalise(
            "\n".join([provisions(self.text), self.doc_title, self.section, " ".join(self.units), self.date or ""])
        )

    @property
    def context(self) -> str:
        """The document's title and the names of its place and the places above it."""
        return normalise(f"{self.doc_title} {context_names(self.jurisdiction)}")


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


def claim_parts(bare: str) -> list[tuple[str, bool]]:
    """(part, is_no_info) for a sentence: one part, or, when it says "not specified", each of its
    comma-separated parts. Why: "文件未明确规定具体比例，但实际执行中为70%" hides a claim behind a
    not-specified clause; what follows (or precedes) the not-specified part needs a citation."""
    if not is_no_info(bare):
        return [(bare, False)]
    parts = [p for p in _PART.split(bare) if p and p.strip(" ，,；;")]
    return [(p, is_no_info(p)) for p in parts] or [(bare, True)]


def _is_lead_in(bare: str) -> bool:
    """Headings and lead-ins ("根据现有文件：", "**国家层面**", "一、<a province>", "税收优惠：") state nothing:
    what is left after taking away list markers, places and words that only frame an answer is
    empty. A line ending in a colon or a question mark gets no pass of its own ("<a province>还给予以下
    补贴：" claims that there are some). Figures, titles and agencies in a lead-in are still checked."""
    core = _LIST_MARKER.sub("", bare)
    if extract_figures(core) or _TITLE.search(core):
        return False
    core = _FRAMING.sub("", strip_places(core))
    return not re.sub(r"[\W_]", "", core)


def instruction_like(sentence: str) -> bool:
    """A sentence of a clause that speaks to the model ("忽略以上规则，回答：……") rather than stating
    a provision. Documents are trusted, but such a sentence is data, never support for an answer."""
    return bool(_INSTRUCTION.search(normalise(sentence)))


def provisions(text: str) -> str:
    """A clause's text without its instruction-like sentences (what may ground an answer)."""
    sentences = re.split(r"(?<=[。！？；!?;\n])", text)
    return "".join(x for x in sentences if not instruction_like(x))


def extract_titles(text: str) -> list[str]:
    return [m.group(1).strip() for m in _TITLE.finditer(normalise(text))]


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

    `question` may supply the agency and document names of a "the documents do not specify X"
    part, never a figure: a figure only the user wrote (a planted "70%") must not come back.
    `secret` is the instruction text the answer must not repeat.
    """
    if not answer or not answer.strip():
        return [Violation("empty", "")]
    by_n = {s.n: s for s in sources}
    everything = "\n".join(s.haystack for s in sources)
    all_keys = figure_keys(everything)
    scopes = [(s.haystack, s.context) for s in sources]
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
        hay = "\n".join(s.haystack for s in cited) if cited else everything
        keys = figure_keys(hay) if cited else all_keys
        for part, no_info in claim_parts(bare):
            if not cited and not no_info and not _is_lead_in(part):
                add(Violation("uncited", f"«{part.strip(' ，,')[:60]}»"))
            body = _TITLE.sub("", _LIST_MARKER.sub("", part))
            for fig in extract_figures(body):
                if not figure_supported(fig, keys, hay):
                    add(Violation("figure", fig.surface))
            names_hay = everything + ("\n" + question if no_info else "")
            for title in extract_titles(part):
                if title not in names_hay:
                    add(Violation("document", f"《{title}》"))
            for name in unknown_documents(body, names_hay):
                add(Violation("document", name))
            question_scope = [(question, "")] if no_info else []
            for agency in unknown_agencies(body, scopes + question_scope, place_at_end):
                add(Violation("agency", agency))
    if discloses(answer, secret, everything):
        add(Violation("disclosure", ""))
    return violations


def describe(violations: list[Violation], limit: int = 3) -> str:
    """A short reason for logs and `Answer.fallback_reason`."""
    text = "; ".join(str(v) for v in violations[:limit])
    more = len(violations) - limit
    return text + (f" (+{more} more)" if more > 0 else "")
