"""The one entry point every front end (CLI, Telegram, evaluator) uses to get an answer.

guard (exact patterns) -> scope by meaning (thanks and greetings get a short reply; off-topic,
evasion and injection are declined) -> follow-up rewrite -> analysis -> hybrid retrieval ->
extractive answer -> (optional) LLM answer checked for grounding. The extractive answer is always computed: it is what is
sent when the LLM is off, fails, or says something the clauses do not support.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings

from chains import messages as M
from chains.analysis import Analysis, analyse, detect_language, without_relay
from chains.compose import compose, select_hits, superseded_notes
from chains.followup import RuleRewriter
from chains.guard import exact_scope, prepare
from chains.models import Answer, Turn
from chains.retrieval import Hit, retrieve
from chains.scope import load_model as load_scope_model
from chains.spelling import Speller, speller_for
from chains.topic import topic_weights
from knowledge.gazetteer import load_gazetteer
from knowledge.index import BuildReport
from knowledge.manager import IndexManager
from knowledge.models import Clause, DocumentMeta

logger = logging.getLogger(__name__)

# exceptions that say the code is wrong, whatever the index holds (an index read under us raises
# storage errors: sqlite3, chromadb, OSError, ValueError from a vector of the wrong shape)
PROGRAMMING_ERRORS = (NameError, AttributeError, TypeError, AssertionError, ImportError)
# what each kind of message gets instead of an answer (chains/models.py: Answer.scope)
DECLINED = {"injection": M.REFUSED, "evasion": M.REFUSED, "off_topic": M.OFF_TOPIC}
REPLIES = {"ack": M.ACK, "greeting": M.HELP}


class LLMComposer(Protocol):
    def compose(
        self, question: str, analysis: Analysis, hits: list[Hit], extractive: Answer, *, deadline: Any = None
    ) -> Answer: ...


class Rewriter(Protocol):
    def rewrite(self, question: str, previous: Turn) -> str: ...


@dataclass
class DocumentInfo:
    meta: DocumentMeta
    clause_count: int


class AnswerService:
    def __init__(
        self,
        index: IndexManager,
        embeddings: Embeddings,
        *,
        top_k: int = 6,
        max_question_chars: int = 500,
        llm_composer: LLMComposer | None = None,
        rewriter: Rewriter | None = None,
    ) -> None:
        self.index = index
        self.embeddings = embeddings
        self.top_k = top_k
        self.max_question_chars = max_question_chars
        self.llm_composer = llm_composer
        self.rule_rewriter: Rewriter = RuleRewriter()
        self.rewriter = rewriter or self.rule_rewriter
        self._speller: tuple[Any, Speller] | None = None  # (the snapshot it reads, the speller)

    # --- answering ----------------------------------------------------------------------------
    def answer(
        self, question: str | bytes | None, *, previous: Turn | None = None, use_llm: bool | None = None,
        language: str | None = None,
    ) -> Answer:
        """The answer to one question; ``language`` ("zh"/"en") overrides the question's own for the
        framing (a group that set English gets English framing around the Chinese quotes)."""
        started = time.perf_counter()
        prepared = prepare(question, self.max_question_chars)
        lang = language if language in ("zh", "en") else detect_language(prepared.text)
        notice = (M.QUESTION_KEPT[lang].format(n=prepared.truncated_to, total=prepared.original_chars)
                  if prepared.truncated_to else None)
        if prepared.empty:
            return self._declined(prepared.text, M.EMPTY[lang], started, notice, scope="empty")
        asked = prepared.text
        spelled = self._spelled(asked)  # "贵洲" read as 贵州; the answer says so (理解为)
        text = without_relay(spelled)  # "会员单位咨询：…": who relays it is no part of what is asked
        exact = exact_scope(text)
        if exact in DECLINED and exact != "off_topic":
            return self._declined(asked, DECLINED[exact][lang], started, notice, scope=exact)
        vector = self.embeddings.embed_query(text)
        meant = self._scope(vector) if exact in (None, "off_topic") else None  # what the classifier reads
        if exact == "off_topic" and meant == "policy":
            exact = None  # "天气" in "重污染天气…能豁免不": the words match chit-chat, the meaning is policy
        if exact in DECLINED:
            return self._declined(asked, DECLINED[exact][lang], started, notice, scope=exact)
        scope = exact or meant
        follow_up = previous is not None and bool(previous.question.strip())
        if scope in REPLIES and follow_up and load_gazetteer().find(text):
            scope = "policy"  # "那河南呢？" after a question: a follow-up about a place, not small talk
        if scope in REPLIES:  # thanks, a greeting or "help": a short reply, no rewriting, no citations
            return self._declined(asked, REPLIES[scope][lang], started, notice, scope=scope)
        if scope in DECLINED and scope != "off_topic":
            return self._declined(asked, DECLINED[scope][lang], started, notice, scope=scope)
        llm_wanted = (self.llm_composer is not None) if use_llm is None else use_llm
        deadline = self._deadline() if llm_wanted else None
        standalone = None
        if previous is not None and follow_up:
            rewritten = self._rewrite(text, previous, deadline)
            if rewritten and rewritten != text:
                standalone = rewritten
                again = exact_scope(rewritten)
                if again in ("injection", "evasion"):
                    return self._declined(asked, DECLINED[again][lang], started, notice, scope=again)
        if scope == "off_topic" and standalone is None:
            return self._declined(asked, M.OFF_TOPIC[lang], started, notice, scope="off_topic")

        analysis = analyse(standalone or text)
        analysis.reply_language = lang
        snapshot = self.index.snapshot()
        t_retrieve = time.perf_counter()
        query_vector = vector if analysis.retrieval_text == text else None  # the question's vector, reused
        # the question as asked, for the classifiers that read questions (not a follow-up's rewriting)
        question_vector = vector if analysis.question == text else None
        try:
            retrieval = retrieve(snapshot, self.embeddings, analysis, query_vector=query_vector,
                                 question_vector=question_vector)
        except PROGRAMMING_ERRORS:
            raise  # a fault of the code, not of the index: rebuilding it would fail again, slowly
        except Exception as exc:  # the index broke under us: repair once, then answer from the new one
            snapshot = self.index.repair(f"{type(exc).__name__}: {exc}")
            retrieval = retrieve(snapshot, self.embeddings, analysis, query_vector=query_vector,
                                 question_vector=question_vector)
        retrieve_ms = (time.perf_counter() - t_retrieve) * 1000
        weights = topic_weights(retrieval, snapshot.keyword, analysis)
        hits = select_hits(retrieval, analysis, self.top_k, weights)
        answer = compose(analysis, hits, retrieval, weights, similarity=retrieval.sentence_similarity)
        answer.question = asked
        if llm_wanted and hits:
            if self.llm_composer is None:
                answer.fallback_reason = "llm_not_configured"
            else:
                answer = self._llm(analysis, hits, answer, deadline)
        understood = standalone or (spelled if spelled != asked else None)  # rewritten, or read past its typos
        return self._finish(answer, started, notice, understood, retrieve_ms=retrieve_ms)

    def _spelled(self, text: str) -> str:
        """``text`` with its homophone typos read as the documents' words (:mod:`chains.spelling`),
        by a speller over the current index's vocabulary, built once per index."""
        try:
            snapshot = self.index.snapshot()
        except PROGRAMMING_ERRORS:
            raise
        except Exception as exc:  # no index yet: the question is answered (or declined) as typed
            logger.debug("no vocabulary for spelling (%s)", type(exc).__name__)
            return text
        if self._speller is None or self._speller[0] is not snapshot:
            gazetteer = load_gazetteer()
            places = [form for p in gazetteer.places.values() if 0 < p.level <= 2 for form in (p.name, p.short)]
            self._speller = (snapshot, speller_for(snapshot.keyword.tf, places))
        return self._speller[1].correct(text)

    def _scope(self, vector: list[float]) -> str:
        """The classifier's label for the question ("policy" where no model is shipped)."""
        model = load_scope_model()
        return model.classify(vector)[0] if model is not None else "policy"

    def _deadline(self) -> Any:
        """One deadline for the whole LLM answer (follow-up rewrite, answer, repair)."""
        timeout_s = getattr(self.llm_composer, "timeout_s", None)
        if timeout_s is None:
            return None
        from chains.llm.client import Deadline

        return Deadline(timeout_s)

    def _llm(self, analysis: Analysis, hits: list[Hit], extractive: Answer, deadline: Any = None) -> Answer:
        assert self.llm_composer is not None
        try:
            result = self.llm_composer.compose(analysis.question, analysis, hits, extractive, deadline=deadline)
        except Exception as exc:  # the composer must not raise; if it does, the user still gets an answer
            logger.error("LLM composer failed: %s", type(exc).__name__)
            result = extractive.model_copy(update={"fallback_reason": f"error: {type(exc).__name__}"})
        result.question = extractive.question
        if result.mode == "llm":
            result.answer += self._superseded_notes(result, analysis.answer_language)
        return result

    def _superseded_notes(self, answer: Answer, lang: str) -> str:
        """The LLM may not mention that a cited document was replaced; the user must still be told."""
        docs = self.index.snapshot().documents
        cited = [docs[c.doc_id] for c in answer.citations if c.doc_id in docs]
        notes = [note for note in superseded_notes(cited, docs, lang) if note not in answer.answer]
        return ("\n\n" + M.NOTE_LABEL[lang] + " ".join(notes)) if notes else ""

    def _rewrite(self, text: str, previous: Turn, deadline: Any = None) -> str:
        try:
            if deadline is None:
                return self.rule_rewriter.rewrite(text, previous)
            return self.rewriter.rewrite(text, previous, deadline=deadline)  # type: ignore[call-arg]
        except Exception as exc:
            logger.warning("follow-up rewrite failed (%s); using the question as asked", type(exc).__name__)
            return text

    def _declined(
        self, question: str, message: str, started: float, notice: str | None, standalone: str | None = None,
        *, scope: str, intent: str = "other", **timings: float,
    ) -> Answer:
        """A message instead of an answer (a refusal, a thank-you reply, the how-to): nothing cited."""
        answer = Answer(question=question, answer=message, abstained=True, intent=intent, scope=scope)
        return self._finish(answer, started, notice, standalone, **timings)

    def _finish(
        self, answer: Answer, started: float, notice: str | None, standalone: str | None = None, **timings: float
    ) -> Answer:
        if M.PLACES in answer.full_text:  # "依据{places}的相关政策文件": the places the index covers now
            places = self._covered_places(detect_language(answer.answer))
            answer.answer = answer.answer.replace(M.PLACES, places)
            if answer.answer_full:
                answer.answer_full = answer.answer_full.replace(M.PLACES, places)
        if notice:
            answer.notice = notice
        if standalone:
            answer.standalone_question = standalone
        if answer.abstained:
            answer.citations = []
        answer.timings = {
            **answer.timings,
            **{k: round(v, 2) for k, v in timings.items()},
            "total_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        return answer

    def _covered_places(self, lang: str) -> str:
        """国家、河南、贵州和焦作 / national, Henan, Guizhou and Jiaozuo: from the documents, nation first."""
        try:
            docs: list[DocumentMeta] = list(self.index.snapshot().documents.values())
        except Exception:  # no index yet: a decline must still be sent
            docs = []
        places = sorted({d.place for d in docs if d.place is not None}, key=lambda p: (p.level, p.code))
        if lang == "en":
            names = ["national" if p.level == 0 else (p.latin.capitalize() or p.label) for p in places]
            return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names) or "policy"
        names = [p.label for p in places]
        return "、".join(names[:-1]) + "和" + names[-1] if len(names) > 1 else "".join(names) or "政策"

    # --- the knowledge base ---------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        snap = self.index.snapshot()
        return [DocumentInfo(meta, snap.clause_count(doc_id)) for doc_id, meta in snap.documents.items()]

    def clause(self, clause_id: str) -> Clause | None:
        return self.index.snapshot().by_id.get(clause_id)

    def document(self, doc_id: str) -> DocumentMeta | None:
        return self.index.snapshot().documents.get(doc_id)

    def reload(self, *, force: bool = True) -> int:
        """Rebuild the index from the corpus (unchanged clauses keep their vectors); returns the clause count."""
        report: BuildReport = self.index.rebuild(force=force)
        return report.clauses

    def warm_up(self) -> None:
        """Load the index, the embedding model and the tokenizer before the first question."""
        snapshot = self.index.snapshot()
        vector = self.embeddings.embed_query("赤泥")
        snapshot.sentence_scores("", vector)  # reads the sentence vectors once, before the first question
        load_scope_model()
