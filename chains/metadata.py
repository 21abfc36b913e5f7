"""Questions about a document itself: who issued it, its number, when it was issued, whom a
reply answers, which years a plan covers.

The answer comes from the document's metadata (the manifest or the staff's upload record, taken
from the document's own text), stated with the document it is about and cited to the clause
that carries the value where one does (the notice's signature block, or another document that
quotes the number and date), else to the document's first clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from chains.english_names import english_ambiguous
from chains.enumeration import stated_count
from chains.fields import load_model as load_field_model
from chains.naming import ambiguous_mention, named_documents
from chains.retrieval import Hit, Retrieval
from knowledge.models import Clause, DocumentMeta

# a reply is issued by replying, and "回" alone says so where it ends the phrase ("啥时候回的", not 回填)
_VERB = r"(?:联合)?(?:发文|发|印发|出台|发布|制定|下发|颁布|答复|回复|回(?=[的了？?，,。\s]|$))"
_WHOM = r"(?:谁|哪位|哪一位|哪个人)"  # who, as a person asked for
_TIME_WORDS = r"什么时候|啥时候|何时|哪年|哪一年|哪天|哪月"  # the words that ask when
# what a question asks about a document, by field: Chinese verbs of issuing, English "issued"
ASKS: list[tuple[str, re.Pattern[str]]] = [
    ("issuer", re.compile(
        rf"(?:哪些|哪几个|哪个|几个|什么|谁)(?:部门|部委|单位|机构)?{_VERB}|(?:由|是)(?:谁|哪[个些几]?(?:部门|部委|单位|机构|家))\S{{0,4}}{_VERB}|"
        r"发文(?:单位|机关)|"
        r"印发单位|who (?:\w+ )?(?:issued|(?:co-?)?signed)|issued by (?:whom|which|what)|"
        # "which ministries issued", "which eight government bodies jointly issued", "which office issued
        # it", "which ministries co-signed"
        r"(?:which|what) (?:\w+ ){0,3}(?:ministr(?:y|ies)|departments?|agenc(?:y|ies)|bod(?:y|ies)|authorit(?:y|ies)|offices?|bureaus?)"
        r"(?: \w+)? (?:issued|published|released|(?:co-?)?signed)|"
        r"\bissuers?\b|issuing (?:ministries|departments|agencies|bodies|authorit)", re.IGNORECASE)),
    ("doc_number", re.compile(r"文号|发文字号|document number", re.IGNORECASE)),
    ("date", re.compile(
        rf"(?:{_TIME_WORDS})\S{{0,3}}{_VERB}|{_VERB}(?:的)?(?:时间|日期)|落款|(?:成文|签发)(?:日期|时间)|"
        r"when (?:was|were|did) .{0,120}(?:issued|published|released|adopted)|(?:on )?(?:what|which) date|"
        r"\b(?:issue|issuing|issuance|publication|release|signing) date|\bdate of (?:issue|issuance|publication|release|signing)",
        re.IGNORECASE)),
    # whom a reply answers; the years a plan covers (its title's "（2025—2030年）")
    ("addressee", re.compile(
        rf"(?:回|答复|回复|写)给{_WHOM}|(?:给|向|对){_WHOM}(?:的)?(?:答复|回复)|答复(?:的)?(?:是|对象)|{_WHOM}(?:提|写)的提案|提案人|"
        r"(?:发|下发|印发|送|寄)给了?(?:谁|哪些|哪几|什么)|主送|"
        r"addressed to|to whom|who (?:was|is) (?:it|the reply) (?:addressed|written) to|whose proposal|sent to", re.IGNORECASE)),
    ("period", re.compile(
        r"哪几年|哪些年|几年到几年|(?:从|自)哪年到哪年|(?:规划|实施|执行)(?:期|期限|年限)|时间跨度|(?:管|覆盖|适用)(?:到)?哪[一几]?年|"
        r"which years|what years|what period|time ?frame|time span|cover.{0,20}years", re.IGNORECASE)),
]
# a time asked with no verb of its own ("回给谁的 哪天"): the date, when the question asks about the document
_WHEN = re.compile(rf"{_TIME_WORDS}|几月几号|\bwhen\b", re.IGNORECASE)
# a question for the unit responsible for a task ("税务系统是哪个单位担任责任单位"), not for who issued the
# document that names it: the field classifier, reading "贵州方案中…这条", took it for the issuer
_RESPONSIBLE = re.compile(r"责任单位|责任部门|负责|牵头|主管|分管|in charge|responsib", re.IGNORECASE)
# a year the question states ("到27年", "2030年", "by 2027"): the classifier read "27年跟30年各多少" as asking
# the plan's period
_YEAR_STATED = re.compile(r"(?<!\d)(?:\d{2}|\d{4})\s*年|\b(?:19|20)\d{2}\b")
# a figure asked for ("要到多少", "百分之几", "how much"), not a count of years ("how many years does it run")
_FIGURE_ASKED = re.compile(r"多少(?!年)|几成|百分之几|how much|how many(?! years)|\bwhat (?:\w+ ){0,2}(?:rate|percentage|share)s?\b",
                           re.IGNORECASE)
_DATE_NAMED = re.compile(r"日期|\bdate\b", re.IGNORECASE)  # "日期多少": the date, asked with 多少
# "是哪八个部门" names the issuing ministries when the document has that many
_COUNTED_OFFICES = re.compile(r"哪[一二三四五六七八九十两\d]+个(?:部门|部委)")
LABELS = {
    "zh": {"issuer": "发文单位", "doc_number": "文号", "date": "日期", "addressee": "答复对象", "period": "实施期限"},
    "en": {"issuer": "issued by", "doc_number": "document number", "date": "date", "addressee": "addressed to",
           "period": "period"},
}
NOT_STATED = {"zh": "文件未载明", "en": "the document does not specify"}  # as messages.py words what is not specified


@dataclass
class DocumentFacts:
    text: str  # the line, without its citation number
    hit: Hit  # the clause it is cited to
    alone: bool = False  # every part of the question asks about the document: the line is the whole answer
    stated: tuple[str, ...] = ()  # the pieces of the values it states ("省财政厅", "2022年7月26日"), to tell a repeat
    also: list[DocumentFacts] = field(default_factory=list)  # the same for the other documents a name fits equally


def only_about_documents(parts: Sequence[str], meant: Sequence[Sequence[str]] = ()) -> bool:
    """Every asking part asks about the document ("是几个部委发的？文号多少"), by the patterns or,
    where given, by the fields the classifier read in each part (``meant``, in the parts' order)."""
    said = list(meant) + [[]] * (len(parts) - len(meant))
    return bool(parts) and all(any(p.search(part) for _, p in ASKS) or _COUNTED_OFFICES.search(part) or bool(fields)
                               for part, fields in zip(parts, said, strict=True))


def fields_meant(vectors: Sequence[Sequence[float]]) -> list[list[str]]:
    """The fields the classifier (:mod:`chains.fields`) reads in each part's e5 vector; none where
    no model ships."""
    model = load_field_model()
    return [model.asked(v) if model is not None else [] for v in vectors]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def asked_fields(question: str, doc: DocumentMeta | None = None, meant: Sequence[str] = ()) -> list[str]:
    """The metadata fields the question asks for (in the documents' order: issuer, number, date,
    addressee, period): by the patterns, and those the classifier read in its parts (``meant``)."""
    if _RESPONSIBLE.search(question):  # the unit in charge of a task is no issuer, whatever the model reads
        meant = [f for f in meant if f != "issuer"]
    if _YEAR_STATED.search(question) or (_FIGURE_ASKED.search(question) and not _DATE_NAMED.search(question)):
        # "27年要达到啥目标" states its year, "利用率要到多少 啥时候" asks a figure and when it is due: neither
        # asks when the document was issued or which years it covers
        meant = [f for f in meant if f not in ("date", "period")]
    fields = [name for name, pattern in ASKS if pattern.search(question) or name in meant]
    counted = _COUNTED_OFFICES.search(question)
    if "issuer" not in fields and counted and doc is not None and stated_count(counted.group(0)) == len(doc.issuers):
        fields.insert(0, "issuer")
    rest = question  # the words no field's pattern took ("管到哪年" asks the period, not a date)
    for name, pattern in ASKS:
        rest = pattern.sub(" ", rest) if name in fields else rest
    if fields and "date" not in fields and _WHEN.search(rest):
        fields = [name for name, _ in ASKS if name in fields or name == "date"]
    return fields


# spelled out, not calendar.month_name: that follows the process locale, and the answer is English
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def _value(doc: DocumentMeta, field: str, lang: str) -> str | None:
    """A field as the answer states it: a date as the documents write it ("2022年1月27日"), and in
    English read out first, the documents' form beside it so the reader can find it in the text."""
    value = getattr(doc, field, None)
    if field == "date" and value:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
        if m:
            year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
            written = f"{year}年{month}月{day}日"
            return written if lang == "zh" else f"{day} {_MONTHS[month - 1]} {year} ({written})"
    return value


def _source(doc: DocumentMeta, values: Sequence[str], clauses: Sequence[Clause]) -> Clause | None:
    """The clause that states most of the values (the document's own first), else the document's first clause."""
    wanted = [_squash(v) for v in values if v]
    def stated(c: Clause) -> int:
        text = _squash(c.text)
        return sum(v in text for v in wanted)
    best = max(clauses, key=lambda c: (stated(c), c.doc_id == doc.doc_id, -c.order), default=None)
    if best is not None and stated(best) > 0:
        return best
    own = [c for c in clauses if c.doc_id == doc.doc_id]
    return min(own, key=lambda c: c.order) if own else None


# documents a question names (or a short name fits equally: "国家方案", the two national plans), this
# many or fewer, are each answered for; a name fitting more ("那个方案") refers to nothing in particular
# (hand-set: a line of three documents' facts still fits a chat preview)
MAX_AMBIGUOUS = 3


def document_facts(question: str, hits: Sequence[Hit], retrieval: Retrieval, lang: str,
                   parts: Sequence[str] = (), referred: Sequence[str] = ()) -> DocumentFacts | None:
    """The line answering what the question asks about a document, if it asks: the document it
    names by title or refers to ("八部门方案"); for each of the few it names, or that a short name
    fits equally ("国家方案谁发的"), the line of each (the first's facts, the others' in ``also``)."""
    documents = retrieval.documents
    named = sorted(named_documents(question, documents)) or [d for d in referred if d in documents]
    # the document must be named: "who issued it" about whatever ranked first would answer at random
    if 1 <= len(named) <= MAX_AMBIGUOUS:  # one, or each of a few ("八部门方案和国家赤泥方案分别哪年发的")
        meant = named
    elif not named and len(tied := ambiguous_mention(question, documents)
                          or (english_ambiguous(question, documents) if lang == "en" else [])) <= MAX_AMBIGUOUS:
        meant = tied
    else:
        return None
    if not meant or retrieval.snapshot is None:
        return None
    # the classifier reads each asking part (a question of one part: its own vector)
    whole = retrieval.question_vector or retrieval.query_vector  # the question as asked: what it was trained on
    vectors = retrieval.part_vectors if len(parts) > 1 else [whole] if whole else []
    said = fields_meant(vectors)
    found = [f for f in (_facts_of(documents[d], question, hits, retrieval, lang, said) for d in meant) if f is not None]
    if not found:
        return None
    first = found[0]
    first.alone = only_about_documents(parts, said if len(said) == len(parts) else ())
    first.also = found[1:]
    return first


def _facts_of(doc: DocumentMeta, question: str, hits: Sequence[Hit], retrieval: Retrieval, lang: str,
              meant: Sequence[Sequence[str]]) -> DocumentFacts | None:
    """The line stating the fields the question asks of ``doc``, cited to the clause stating them."""
    documents, snapshot = retrieval.documents, retrieval.snapshot
    fields = asked_fields(question, doc, [f for found in meant for f in found])
    found = {f: _value(doc, f, lang) for f in fields}
    if not fields or snapshot is None:
        return None
    # a field the document does not state is said to be missing, not guessed
    values = {f: v or NOT_STATED[lang] for f, v in found.items()}
    raw = [getattr(doc, f) for f in found if f != "date" and found[f]] + ([_value(doc, "date", "zh") or ""] if found.get("date") else [])
    clause = _source(doc, raw, snapshot.clauses)
    if clause is None:
        return None
    labels = dict(LABELS[lang])
    if lang == "zh" and "答复" not in doc.title:
        labels["addressee"] = "主送"  # a notice's recipients; a reply's addressee is 答复对象
    sep = "；" if lang == "zh" else "; "
    body = sep.join(f"{labels[f]}{'：' if lang == 'zh' else ': '}{v}" for f, v in values.items())
    text = f"{doc.display_title}{'——' if lang == 'zh' else ' — '}{body}"
    source_doc = documents.get(clause.doc_id, doc)
    existing = next((h for h in hits if h.clause.clause_id == clause.clause_id), None)
    pieces = tuple(piece for v in found.values() if v for piece in re.split(r"[、，,；;和及]", v) if len(piece) >= 2)
    return DocumentFacts(text, existing or Hit(clause, source_doc, hits[0].score if hits else 1.0), stated=pieces)
