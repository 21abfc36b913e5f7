"""Feedback for staff: 👍/👎 under answers (also after a restart), records of declined and "not
specified" answers in the SQLite store, /gaps for staff admins, the CSV export and the retention."""

from __future__ import annotations

import csv
import io
import time
from types import SimpleNamespace

from telegram.ext import AIORateLimiter

from bot.cli import main as cli_main
from bot.state import Store
from bot.telegram.application import build_application, serve
from chains.models import Answer
from tests.telegram.conftest import ADMIN_ID, make_citation

GROUP = -100555


def _respond(question: str, previous) -> Answer:
    if "天气" in question:
        return Answer(question=question, answer="抱歉，文件中没有相关规定。", abstained=True)
    if "比例" in question:
        return Answer(question=question, answer="文件未明确规定具体比例[1]。", not_specified=True,
                      citations=[make_citation(1)])
    return Answer(question=question, answer=f"回答：{question}[1]", citations=[make_citation(1)], mode="extractive")


async def test_votes_are_recorded_once_per_member_even_after_a_restart(
    bot_api, make_settings, recording_answerer
) -> None:
    settings = make_settings()
    services = SimpleNamespace(settings=settings, answerer=recording_answerer(_respond))

    def app():
        return build_application(services, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0))

    async with serve(app(), poll_timeout=0.2):
        bot_api.user_message("@RedMudTestBot 贵州有税收优惠吗", chat_id=GROUP, user_id=5, first_name="王老板")
        (answer,) = await bot_api.wait_sent(GROUP)
    buttons = {b["text"]: b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row}
    async with serve(app(), poll_timeout=0.2):
        bot_api.button_press(answer, buttons["👎"], user_id=6)
        bot_api.button_press(answer, buttons["👎"], user_id=6)  # the same member again: not counted
        bot_api.button_press(answer, buttons["👍"], user_id=7)
        await bot_api.wait_for(lambda: len(bot_api.calls_to("answerCallbackQuery")) == 3)
    texts = [c.params.get("text") for c in bot_api.calls_to("answerCallbackQuery")]
    assert texts.count("谢谢反馈！") == 2 and "已收到您的反馈" in texts
    store = Store.in_data_dir(settings.data_dir)
    exported = list(csv.DictReader(io.StringIO(store.export_csv(0))))
    assert sorted(r["kind"] for r in exported) == ["down", "up"]
    assert {r["question"] for r in exported} == {"贵州有税收优惠吗"}
    assert all(r["clause_ids"] == "doc-a-第一条" and r["chat_id"] == str(GROUP) and r["mode"] == "extractive"
               for r in exported)
    assert "王老板" not in store.export_csv(0) and "张三" not in store.export_csv(0)


async def test_declined_and_not_specified_answers_reach_gaps_for_staff_only(
    bot_api, start_bot, recording_answerer
) -> None:
    await start_bot(recording_answerer(_respond))
    for text in ["明天天气怎么样", "明天天气怎么样", "即征即退比例是多少", "贵州有税收优惠吗"]:
        bot_api.user_message(f"@RedMudTestBot {text}", chat_id=GROUP, user_id=5)
    await bot_api.wait_sent(GROUP, 4)
    bot_api.user_message("/gaps", chat_id=GROUP, user_id=5)
    refused = (await bot_api.wait_sent(GROUP, 5))[-1]
    assert refused["text"] == "抱歉，这个命令只对管理员开放。"
    bot_api.user_message("/gaps", chat_id=ADMIN_ID)
    (gaps,) = await bot_api.wait_sent(ADMIN_ID)
    lines = [line for line in gaps["text"].splitlines()[1:] if line]
    assert lines == ["2× [未作答] 明天天气怎么样", "1× [文件未明确] 即征即退比例是多少"]


def test_feedback_export_cli_writes_csv_since_a_date(tmp_path, monkeypatch, capsys) -> None:
    data = tmp_path / "data"
    store = Store.in_data_dir(data)
    old = time.mktime((2026, 1, 10, 12, 0, 0, 0, 0, -1))
    store.add_answer(1, "旧问题", "答", None, mode="extractive", clause_ids=["a"], abstained=True, now=old)
    store.add_answer(2, "新问题", "答", None, mode="llm", clause_ids=["b", "c"], not_specified=True,
                     now=time.mktime((2026, 3, 2, 12, 0, 0, 0, 0, -1)))
    store.close()
    monkeypatch.setenv("REDMUD_DATA_DIR", str(data))
    out = tmp_path / "gaps.csv"
    assert cli_main(["feedback", "export", "--since", "2026-03-01", "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["kind"], r["question"], r["mode"], r["clause_ids"], r["chat_id"]) for r in rows] == [
        ("not_specified", "新问题", "llm", "b c", "2")]
    assert cli_main(["feedback", "export", "--since", "yesterday"]) == 2
    assert "--since" in capsys.readouterr().err


async def test_retention_deletes_old_records_when_the_bot_starts(bot_api, start_bot, make_settings,
                                                                 recording_answerer) -> None:
    settings = make_settings()
    store = Store.in_data_dir(settings.data_dir)
    now = time.time()
    store.add_answer(1, "很久以前", "答", None, mode="extractive", clause_ids=[], abstained=True, now=now - 40 * 86400)
    store.add_answer(1, "最近", "答", None, mode="extractive", clause_ids=[], abstained=True, now=now - 5 * 86400)
    store.close()
    await start_bot(recording_answerer(), retention_days=30)
    store = Store.in_data_dir(settings.data_dir)
    assert [g.question for g in store.gaps(since=0)] == ["最近"]
