"""The loopback server speaks the protocol the real clients expect (JSON and SSE streaming),
and `import chains.llm` stays cheap (no openai, no langchain_openai until build_llm)."""

from __future__ import annotations

import subprocess
import sys

import openai
from langchain_openai import ChatOpenAI

from tests.fakes.openai_server import Reply


def test_streaming_and_plain_completions_with_the_real_clients(server):
    server.enqueue(Reply(content="赤泥综合利用[1]。"), Reply(content="第二个回答，分几块发送[2]。"))
    raw = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    done = raw.chat.completions.create(model="m", messages=[{"role": "user", "content": "你好"}])
    assert done.choices[0].message.content == "赤泥综合利用[1]。"
    chat = ChatOpenAI(base_url=server.base_url, api_key="k", model="m", max_retries=0)
    chunks = [c.text for c in chat.stream("hi")]
    assert "".join(chunks) == "第二个回答，分几块发送[2]。" and len([c for c in chunks if c]) >= 2
    assert [bool(r.body.get("stream")) for r in server.completions] == [False, True]
    assert server.completions[0].messages == [{"role": "user", "content": "你好"}]


def test_error_status_carries_headers(server):
    server.enqueue(Reply(status=429, headers={"Retry-After": "7"}))
    raw = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    try:
        raw.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    except openai.RateLimitError as err:
        assert err.response.headers["retry-after"] == "7"
    else:  # pragma: no cover
        raise AssertionError("429 not raised")


def test_importing_the_chain_is_cheap():
    code = "import sys, chains.llm, chains.followup, prompts; print('openai' in sys.modules, 'langchain_openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
