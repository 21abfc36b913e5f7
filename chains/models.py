"""The answer contract shared by the CLI, the Telegram bot and the evaluator."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int
    doc_id: str
    doc_title: str
    jurisdiction: str
    section: str
    clause_id: str
    text: str  # the full clause (piece) as stored
    quote: str  # the part shown in the answer
    responsible_units: list[str] = Field(default_factory=list)
    date: str | None = None


class Turn(BaseModel):
    """A previous exchange, so that a follow-up ("那河南呢？") can be made standalone."""

    question: str
    answer: str = ""


class Answer(BaseModel):
    question: str
    answer: str
    mode: str = "extractive"  # extractive | llm
    abstained: bool = False
    intent: str = "other"
    citations: list[Citation] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    standalone_question: str | None = None  # set when a follow-up was rewritten
    fallback_reason: str | None = None  # set when the LLM answer was not used
    notice: str | None = None  # e.g. "question was cut to 500 characters"
    headline: str | None = None  # the direct answer (first line), for bold rendering

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
