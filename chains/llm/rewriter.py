"""Follow-up rewriting with the LLM, falling back to the deterministic RuleRewriter.

Why: the model handles follow-ups the rules miss ("那它的责任单位是谁？"), but it must never cost
an answer: any failure, a deadline, an open circuit or an implausible output gives the rule
rewrite instead. The budget is small (a quarter of the answer deadline, at most 5 s) because
the answer itself still has to be composed.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from langchain_core.prompts import ChatPromptTemplate

import prompts
from chains.followup import RuleRewriter
from chains.llm.client import ChatClient, Deadline, LLMError

log = logging.getLogger(__name__)


class LLMRewriter:
    """`rewrite(question, previous) -> str`, never raises."""

    def __init__(
        self,
        client: ChatClient,
        *,
        timeout_s: float = 5.0,
        fallback: RuleRewriter | None = None,
        max_chars: int = 300,
    ):
        self.client = client
        self.timeout_s = timeout_s
        self.fallback = fallback or RuleRewriter()
        self.max_chars = max_chars
        self._prompt = ChatPromptTemplate.from_messages(
            [("system", prompts.load("rewrite_system")), ("human", prompts.load("rewrite_user"))]
        )

    def rewrite(self, question: str, previous: Any = None, *, deadline: Deadline | None = None) -> str:
        rule = self.fallback.rewrite(question, previous)
        prev = (getattr(previous, "question", "") or "").strip()
        if not prev or not (question or "").strip():
            return rule
        messages = self._prompt.format_messages(
            previous_question=html.escape(prev, quote=False),
            question=html.escape(question.strip(), quote=False),
        )
        try:
            text = self.client.complete(messages, deadline or Deadline(self.timeout_s))
        except LLMError as err:
            log.info("LLM rewrite not used (%s); rule rewrite instead", err.reason)
            return rule
        except Exception:  # noqa: BLE001 - a rewrite must never cost the answer
            log.exception("LLM rewrite failed")
            return rule
        cleaned = clean_rewrite(text)
        if not cleaned or len(cleaned) > self.max_chars or not plausible(cleaned, f"{question}\n{prev}"):
            log.info("LLM rewrite implausible; rule rewrite instead")
            return rule
        return cleaned


def plausible(rewrite: str, given: str, min_share: float = 0.6) -> bool:
    """A rewrite is made of the conversation's own words: most of its Chinese characters and
    English words occur in the follow-up or the previous question. An answer, a refusal or
    injected text ("文件未明确规定相关内容", "Sure! Here is…") is not a rewrite."""
    given_l = given.lower()
    tokens = re.findall(r"[\u4e00-\u9fff]|[a-z]{3,}", rewrite.lower())
    if not tokens:
        return False
    return sum(t in given_l for t in tokens) / len(tokens) >= min_share


def clean_rewrite(text: str) -> str:
    """The first non-empty line, without a "改写后的完整问题：" label or surrounding quotes."""
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    line = re.sub(
        r"^(?:改写后的完整问题|完整问题|standalone question|question)\s*[:：]\s*", "", line, flags=re.I
    )
    line = line.strip().strip("\"'“”「」『』`").strip()
    return "" if re.search(r"</?\w+>", line) else line
