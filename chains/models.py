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
    """One reply. ``answer`` is the brief form (what a group sees first); ``answer_full`` the full one.

    Both texts number citations the same way: every ``[n]`` refers to ``citations[n-1]``.
    ``scope`` says what kind of message the question was, so front ends can behave accordingly
    (an acknowledgement in reply to the bot gets a reaction, not an answer).
    """

    question: str
    answer: str  # brief: the answer first, then at most three short points
    answer_full: str | None = None  # the full answer (all cited clauses, grouped); None = same as answer
    mode: str = "extractive"  # extractive | llm
    abstained: bool = False
    intent: str = "other"
    citations: list[Citation] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    standalone_question: str | None = None  # set when a follow-up was rewritten
    fallback_reason: str | None = None  # set when the LLM answer was not used
    notice: str | None = None  # e.g. "question was cut to 500 characters"
    headline: str | None = None  # the direct answer (first line), for bold rendering
    # policy | ack | greeting | off_topic | evasion | injection | empty
    scope: str = "policy"
    not_specified: bool = False  # the answer says the documents do not give what was asked

    @property
    def full_text(self) -> str:
        return self.answer_full or self.answer

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
