"""Unit tests: HTML rendering and splitting, and the bot's bounded in-memory state."""

from __future__ import annotations

import re

import pytest

from bot.telegram.formatting import answer_blocks, citation_buttons
from bot.telegram.render import Block, split_blocks, split_plain, utf16_len
from bot.telegram.state import AnswerMemory, ClauseKeys, UserRateLimiter
from chains.models import Answer, Turn
from tests.fakes.telegram_html import parse_telegram_html


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_long_body_is_split_on_paragraphs_into_valid_html() -> None:
    paragraphs = [f"第{i}段：" + "赤泥综合利用&<税收>优惠。" * 30 for i in range(40)]
    blocks = [Block("b", "标题 <b>"), Block("", "\n\n".join(paragraphs)), Block("quote", "出处：\n[1] 《文件》 第一条")]
    chunks = split_blocks(blocks)
    assert len(chunks) > 1
    plains = []
    for chunk in chunks:
        assert utf16_len(chunk.html) <= 4096
        plain = parse_telegram_html(chunk.html)  # raises if a tag was cut or text left unescaped
        assert plain == chunk.plain
        plains.append(plain)
    # nothing lost, nothing duplicated, order kept
    assert _no_space("".join(plains)) == _no_space("".join(b.text for b in blocks))
    # every break falls between paragraphs: each chunk starts at the start of a paragraph
    for plain in plains[1:]:
        assert re.match(r"第\d+段|出处", plain)
    assert chunks[0].html.startswith("<b>标题 &lt;b&gt;</b>")
    assert chunks[-1].html.endswith("</blockquote>")


def test_styled_block_spanning_messages_is_closed_and_reopened() -> None:
    lines = [f"[{i}] 《很长的文件标题》 第{i}条 " + "节" * 100 for i in range(80)]
    chunks = split_blocks([Block("quote", "\n".join(lines))])
    assert len(chunks) >= 2
    for chunk in chunks:
        assert chunk.html.startswith("<blockquote expandable>") and chunk.html.endswith("</blockquote>")
        parse_telegram_html(chunk.html)
    assert sum(c.plain.count("\n") + 1 for c in chunks) == len(lines)


def test_paragraph_without_breaks_is_cut_at_sentences_then_hard() -> None:
    sentences = "这是一句话。" * 1500  # 9000 characters, no newline
    chunks = split_plain(sentences)
    assert len(chunks) == 3 and all(len(c) <= 4096 and c.endswith("。") for c in chunks[:-1])
    assert "".join(chunks) == sentences
    solid = "赤" * 9000  # no boundary at all
    assert [len(c) for c in split_plain(solid)] == [4096, 4096, 808]


def test_escaping_counts_towards_the_limit_and_emoji_count_twice() -> None:
    chunks = split_blocks([Block("", "&" * 5000)])
    assert all(len(c.html) <= 4096 for c in chunks) and sum(len(c.plain) for c in chunks) == 5000
    emoji = split_plain("😀" * 3000)  # 6000 UTF-16 units
    assert all(utf16_len(c) <= 4096 for c in emoji) and "".join(emoji) == "😀" * 3000


def test_answer_blocks_escape_everything(citation) -> None:
    hostile = "<script>alert(1)</script> & <b>"
    answer = Answer(question=hostile, answer=f"{hostile}\n正文 {hostile} [1]", headline=hostile,
                    citations=[citation(1)], notice="问题 <i>已截断", standalone_question=f"贵州 {hostile}")
    (chunk,) = split_blocks(answer_blocks(answer))
    plain = parse_telegram_html(chunk.html)
    assert plain.count("<script>alert(1)</script>") == 3  # rewritten question, headline, body
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;</b>" in chunk.html
    assert "[1] 《测试文件》 第一条" in plain and "问题 <i>已截断" in plain
    assert citation_buttons(answer) == [("[1] 原文", "doc-a-第一条")]


def test_headline_defaults_to_first_line() -> None:
    blocks = answer_blocks(Answer(question="q", answer="直接回答。\n细节一\n细节二"))
    assert blocks[0] == Block("b", "直接回答。") and blocks[1] == Block("", "细节一\n细节二")


def test_user_rate_limit_sliding_window_notifies_once() -> None:
    limiter = UserRateLimiter(per_minute=3)
    assert [limiter.check(1, now=t)[0] for t in (0, 1, 2)] == [True, True, True]
    assert limiter.check(1, now=3) == (False, True, 57)
    assert limiter.check(1, now=4) == (False, False, 56)  # told once per window
    assert limiter.check(2, now=4)[0] is True  # other users unaffected
    assert limiter.check(1, now=60.5)[0] is True  # the first hit left the window
    assert limiter.check(1, now=60.7) == (False, True, 1)  # a new window: told again


def test_clause_keys_fit_callback_data() -> None:
    keys = ClauseKeys()
    short = keys.key_for("doc-a-第一条")
    assert keys.clause_id(short) == "doc-a-第一条"
    long_id = "cn-2024-redmud-plan-第三章-第十二条-（二）-p3-#2" * 2
    key = keys.key_for(long_id)
    assert len(key.encode()) <= 64 and keys.clause_id(key) == long_id
    assert keys.clause_id("h|unknown") is None and keys.clause_id("other") is None


def test_answer_memory_is_bounded() -> None:
    memory = AnswerMemory(size=3)
    for i in range(5):
        memory.remember([i * 10, i * 10 + 1], Turn(question=f"q{i}", answer="a"))
    assert memory.get(0) is None and memory.get(41).question == "q4"
    assert memory.recent(60).question == "q4"


@pytest.mark.parametrize("limit", [50, 300])
def test_small_limits_still_valid(limit: int) -> None:
    text = "\n".join(f"第{i}行 <x> & 内容" * 3 for i in range(30))
    for chunk in split_blocks([Block("b", "标题"), Block("", text)], limit=limit):
        assert utf16_len(chunk.html) <= limit
        parse_telegram_html(chunk.html)


def test_docs_list_marks_superseded_documents() -> None:
    from types import SimpleNamespace

    from bot.telegram.formatting import docs_blocks
    from knowledge.models import DocumentMeta

    old = DocumentMeta(doc_id="old-plan", title="旧方案", date="2020-01-01", superseded_by="new-plan")
    new = DocumentMeta(doc_id="new-plan", title="新方案", date="2026-03-01", supersedes="old-plan")
    blocks = docs_blocks([SimpleNamespace(meta=old, clause_count=3), SimpleNamespace(meta=new, clause_count=4)])
    text = "\n".join(b.text for b in blocks)
    assert "《旧方案》" in text and "已被 new-plan 取代" in text
    assert text.count("取代") == 1
