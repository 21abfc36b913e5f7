"""Unit tests: HTML rendering and splitting, and the bot's bounded in-memory state."""

from __future__ import annotations

import re

import pytest

from bot.state import Store
from bot.telegram.formatting import answer_blocks, clip_text
from bot.telegram.names import short_name
from bot.telegram.render import Block, split_blocks, split_plain, utf16_len
from bot.telegram.state import UserRateLimiter
from chains.models import Answer
from knowledge.models import DocumentMeta
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


def test_long_callback_values_get_short_keys_that_outlive_the_process(tmp_path) -> None:
    long_id = "cn-2024-redmud-plan-第三章-第十二条-（二）-p3-#2" * 2
    store = Store(tmp_path / "bot.sqlite3")
    key = store.key_for(long_id)
    store.close()
    reopened = Store(tmp_path / "bot.sqlite3")
    assert len(("h|" + key).encode()) <= 64 and reopened.value_of(key) == long_id
    assert reopened.value_of("unknown") is None


def test_retention_bounds_what_the_store_remembers(tmp_path) -> None:
    store = Store(tmp_path / "bot.sqlite3")
    for i in range(5):
        answer_id = store.add_answer(7, f"q{i}", "a", None, mode="extractive", clause_ids=[], now=1000.0 * i)
        store.link_messages(7, answer_id, [i * 10, i * 10 + 1], i * 10 - 1, now=1000.0 * i)
    assert store.answer_for_message(7, 41).question == "q4"
    store.purge(older_than_days=2500 / 86400, now=5000.0)  # keep the last 2500 s
    assert store.answer_for_message(7, 0) is None and store.answer_for_message(7, 41).question == "q4"
    assert store.last_answer(7, 10_000, now=5000.0).question == "q4"


def test_button_names_come_from_document_metadata() -> None:
    national = DocumentMeta(doc_id="a", title="赤泥综合利用行动方案", short_title="国家《赤泥综合利用行动方案》")
    eight = DocumentMeta(doc_id="b", title="关于加快推动工业资源综合利用的实施方案", short_title="八部门《关于…》")
    henan = DocumentMeta(doc_id="c", title="关于《河南省赤泥综合利用实施方案》有关问题的解答", jurisdiction="henan")
    assert [short_name(m) for m in (national, eight)] == ["国家方案", "八部门方案"]
    assert short_name(henan) == f"{henan.jurisdiction_label}解答" == "河南解答"


def test_brief_text_is_cut_at_a_sentence_end() -> None:
    text = "第一句。" * 100
    cut, clipped = clip_text(text, 50)
    assert clipped and len(cut) <= 50 and cut.endswith("。…")
    assert clip_text("短。", 50) == ("短。", False)


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
