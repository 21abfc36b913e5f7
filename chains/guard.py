"""Input hygiene and the exact scope patterns: what reaches retrieval, and what is declined before it.

Users paste anything into a group chat. We strip control characters and broken encodings and,
when the input is too long, keep the question in it (a question typed after a pasted paragraph
is what the user asks; the paragraph is context), with a notice. The patterns below decline,
up front and exactly, attempts to change the assistant's rules or extract its
instructions/secrets and requests for help breaking the rules the documents are about; what
they cannot name exactly is left to the classifier by meaning (:mod:`chains.scope`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c).isalnum()}

INJECTION = [
    r"(忽略|无视|忘记|忘掉|跳过|不要管|别管|绕过)(掉)?(之前|以上|上面|前面|先前|所有|全部|你的|系统)?的?.{0,6}(指令|指示|规则|设定|提示|要求|限制|约束)",
    r"(你现在是|你是一个|扮演|假装你?是|从现在(开始|起)你?是?|进入.{0,6}模式).{0,30}(没有|无|不受|不再受|解除).{0,6}(任何)?(限制|约束|规则|审查)",
    r"(系统提示|提示词|系统指令|系统消息|初始指令|你的指令|你的设定|你的规则|内部指令|开发者模式|越狱|system\s*prompt|system\s*message|prompt)",
    r"(bot\s*token|api[\s_-]*key|密钥|令牌|token|password|密码|环境变量|\.env)",
    r"ignore\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier|preceding|system)?\s*(instructions|rules|prompts?|directions)",
    r"\b(you are now|act as|pretend (to be|you are)|roleplay as|developer mode|jailbreak|DAN)\b",
    r"(^|\n)\s*(system|assistant|developer)\s*[:：]",
    r"(disregard|forget|override)\s+.{0,30}(instructions|rules|guidelines)",
    # a message that speaks as the system or its administrator ("【系统通知】", "[SYSTEM]") or tells the
    # assistant how to answer from now on ("后续回答请以此为准"): a planted figure rides on it
    r"[【\[［]\s*(系统|管理员|机器人|system|admin|bot)[^】\]］]{0,10}[】\]］]",
    r"(后续|以后|之后|接下来|今后)的?(回答|回复|答复|解答).{0,8}(以此为准|按此|按这个|照此|按照此)|请以此为准",
    r"\bfrom now on\b.{0,30}\b(answer|reply|respond|say|use)\b",
]
WRONGDOING = [
    r"(怎么|怎样|如何|教我|方法|办法|技巧|有没有办法|能不能).{0,15}(绕过|规避|逃避|躲避|躲过|骗过|瞒过|应付|糊弄)",
    r"(绕过|规避|逃避|躲避|躲过|骗过|瞒过|应付|糊弄).{0,6}(环保|监管|检查|执法|督察|监测|审核)",
    r"(怎么|怎样|如何|教我|方法|办法).{0,15}(偷排|偷倒|私排|乱倒|造假|伪造|篡改|虚报|骗取|套取|骗补|偷税|逃税|漏税)",
    r"(偷排|偷倒|私排).{0,10}(不被|而不|怎么|方法)",
    r"\bhow\b.{0,40}\b(bypass|evade|circumvent|dodge|cheat|fake|falsify|forge|illegally dump|dump .{0,20}illegally|avoid (inspection|detection))",
]
OFF_TOPIC = [
    r"笑话|段子|讲个故事|(写|作|编|来)(一)?(首|篇|段|个).{0,10}(诗|歌|词|文章|作文|小说|故事|对联)|唱(首)?歌|天气|星座|运势|彩票|股票|菜谱|做菜|翻译一下|写代码|算命|\bjoke\b|\bweather\b|\bpoem\b|\brecipe\b|\bhoroscope\b",
]
_INJECTION = re.compile("|".join(INJECTION), re.IGNORECASE)
_WRONGDOING = re.compile("|".join(WRONGDOING), re.IGNORECASE)
_OFF_TOPIC = re.compile("|".join(OFF_TOPIC), re.IGNORECASE)
# words that put a question inside the domain even when retrieval is unsure
DOMAIN = re.compile(
    r"赤泥|固废|综合利用|氧化铝|铝土矿|再生资源|冶炼渣|磷石膏|尾矿|粉煤灰|政策|方案|red\s*mud|solid waste|alumina|bauxite|utili[sz]ation",
    re.IGNORECASE,
)


@dataclass
class Prepared:
    text: str
    truncated_to: int | None = None
    empty: bool = False
    original_chars: int = 0  # length of the cleaned input before the question was kept


# a sentence that asks something: a question mark, or a question word of either language
_ASKS = re.compile(
    r"[？?]|吗|呢|什么|哪|怎|如何|多少|几[个项家年种]|是否|有没有|能不能|能否|可否|可以.{0,6}[不吗]|请问|"
    r"\b(what|which|how|who|whom|when|where|why|is|are|can|could|does|do|will|should)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;\n]+|$)")


def keep_question(text: str, max_chars: int) -> str:
    """The last sentence(s) of ``text`` that ask something, within ``max_chars``.

    Consecutive asking sentences at the end are kept together ("…有补贴吗？标准是多少？"); if no
    sentence asks, the end of the text is kept (what was typed last). A single asking sentence
    longer than the limit keeps its end, where the question words are.
    """
    sentences = [s for s in _SENTENCES.findall(text) if s.strip()]
    asking = [i for i, s in enumerate(sentences) if _ASKS.search(s)]
    if not asking:
        return _tail(text, max_chars)
    last = asking[-1]
    kept = sentences[last].strip()
    if len(kept) > max_chars:
        return _tail(kept, max_chars)
    i = last - 1
    while i >= 0 and i in asking and len(sentences[i].strip()) + len(kept) + 1 <= max_chars:
        kept = f"{sentences[i].strip()}{kept}"
        i -= 1
    return kept


def _tail(text: str, max_chars: int) -> str:
    tail = text[-max_chars:]
    start = re.search(r"[。！？!?；;\n]\s*", tail)  # begin at a sentence start where there is one
    if start and start.end() < len(tail) // 2:
        tail = tail[start.end():]
    return tail.strip()


GARBLED_SHARE = 0.3  # a third of the characters unreadable: no sentence survives that


def prepare(raw: str | bytes | None, max_chars: int) -> Prepared:
    """Clean a raw question; never raises, whatever it is given."""
    if raw is None:
        return Prepared("", empty=True)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    text = _SURROGATE.sub("", str(raw))
    replaced = text.count("\ufffd")
    text = text.replace("\ufffd", "")
    text = _CONTROL.sub(" ", text.replace("\t", " "))
    text = text.translate(_FULLWIDTH_ALNUM)
    text = _SPACE.sub(" ", text).strip()
    truncated = None
    original = len(text)
    if len(text) > max_chars:
        text = keep_question(text, max_chars)
        truncated = max_chars
    meaningful = any(unicodedata.category(ch)[0] in "LN" for ch in text)
    # text in the wrong encoding (GBK bytes read as UTF-8) is mostly U+FFFD: what is left of it is
    # noise, not a question, so it is treated like an empty message (ask again), not classified
    garbled = replaced >= GARBLED_SHARE * (replaced + len(text.replace(" ", "")))
    return Prepared(text, truncated, empty=not meaningful or garbled, original_chars=original)


def exact_scope(text: str) -> str | None:
    """'injection', 'evasion' or 'off_topic' where an exact pattern says so, else None."""
    if _INJECTION.search(text):
        return "injection"
    if _WRONGDOING.search(text):
        return "evasion"
    if _OFF_TOPIC.search(text) and not DOMAIN.search(text):
        return "off_topic"
    return None


def classify(text: str) -> str | None:
    """'refuse' for rule-changing or rule-breaking requests, 'off_topic' for obvious chit-chat."""
    scope = exact_scope(text)
    return "refuse" if scope in ("injection", "evasion") else scope

