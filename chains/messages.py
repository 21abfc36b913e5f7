"""Fixed texts users see (Chinese first; English for English questions).

The example questions are data (``chains/data/example_questions.json``), and ``{places}`` is
filled by the answer service with the places the indexed documents cover, so a plan staff add
for a new province is named like the bundled ones.
"""

from __future__ import annotations

import json
from importlib import resources

PLACES = "{places}"  # replaced by the service with the places the indexed documents cover
_EXAMPLES = json.loads((resources.files("chains") / "data" / "example_questions.json").read_text(encoding="utf-8"))
EXAMPLES_ZH: list[str] = _EXAMPLES["zh"]
EXAMPLES_EN: list[str] = _EXAMPLES["en"]

SCOPE_ZH = "我只能回答赤泥及工业固废综合利用政策方面的问题，依据" + PLACES + "的相关政策文件。"
SCOPE_EN = "I can only answer questions on red-mud and industrial solid-waste policy, from the " + PLACES + " documents."

OFF_TOPIC = {
    "zh": "抱歉，这个问题不在我的范围内。" + SCOPE_ZH + "您可以这样问：\n" + "\n".join(f"• {q}" for q in EXAMPLES_ZH),
    "en": "Sorry, that is outside what I can help with. " + SCOPE_EN + " You could ask:\n" + "\n".join(f"• {q}" for q in EXAMPLES_EN),
}
REFUSED = {
    "zh": "抱歉，这个请求我不能协助。我只依据政策文件回答赤泥综合利用政策问题，不会改变这些规则，也不提供规避监管的方法。您可以这样问：\n"
    + "\n".join(f"• {q}" for q in EXAMPLES_ZH),
    "en": "Sorry, I can't help with that request. I only answer red-mud policy questions from the official documents, and these rules "
    "don't change. You could ask:\n" + "\n".join(f"• {q}" for q in EXAMPLES_EN),
}
EMPTY = {
    "zh": "请输入您的问题，例如：\n" + "\n".join(f"• {q}" for q in EXAMPLES_ZH),
    "en": "Please type a question, for example:\n" + "\n".join(f"• {q}" for q in EXAMPLES_EN),
}
NOTHING_FOUND = {
    "zh": "现有文件中没有找到与这个问题直接相关的规定。" + SCOPE_ZH,
    "en": "The documents do not contain provisions that answer this question. " + SCOPE_EN,
}
TRUNCATED = {
    "zh": "问题过长，已截取前 {n} 个字符作答。",
    "en": "Your question was long; only its first {n} characters were used.",
}
# the first word of a yes/no answer: "can we…" -> 可以, "is there…" -> 有; when no quoted sentence
# names the question's topic, the documents give no direct answer and the line says so
YES_NO = {
    "zh": {"can": "可以。", "has": "有。", "no_direct": "文件没有直接规定；相关的是："},
    "en": {"can": "Yes. ", "has": "Yes. ", "no_direct": "The documents do not say this directly; the closest provision: "},
}
# what one list has beyond another's ("贵州方案的基本原则比国家的多了哪一条"), before the items quoted
DIFFERENCE = {"zh": "{a}多出的是：{items}[{n}]{b}列的是：{others}。[{m}]",
              "en": "Only in {a}: “{items}” [{n}] {b} lists: {others}. [{m}]"}
NO_UNITS = {"zh": "文件没有列明这项工作的责任单位；相关的是：", "en": "The documents name no responsible unit for this; "}
UNITS_LABEL = {"zh": "责任单位：", "en": "Responsible units: "}
NOTE_LABEL = {"zh": "说明：", "en": "Note: "}
NO_LOCAL_DOC = {
    "zh": "知识库未收录{places}的地方文件，以上是全国适用的国家规定。",
    "en": "No local document for {places} here; the national provisions above apply everywhere.",
}
NO_OWN_DOC = {
    "zh": "知识库未收录{place}本地的文件，以上是适用于{place}的{parents}和国家规定。",
    "en": "No local document for {place} here; the {parents} and national provisions above apply there.",
}
NO_JURISDICTION_MATCH = {
    "zh": "{places}的文件中未找到这方面的规定；以上为其他文件的相关规定。",
    "en": "The {places} documents have nothing on this; the provisions above are from others.",
}
ASKS_LABEL = {
    "zh": {"rate": "具体比例或金额", "deadline": "具体期限", "procedure": "申请条件和程序", "quantity": "具体数值",
           "time": "具体时间", "penalty": "处罚"},
    "en": {"rate": "a rate or amount", "deadline": "a deadline", "procedure": "eligibility or procedure",
           "quantity": "a figure", "time": "a date", "penalty": "a penalty"},
}
WHERE_SET = {
    "zh": {
        "tax": "以财政部、税务总局的资源综合利用税收公告为准，可咨询主管税务机关",
        "default": "以主管部门的实施细则或申报通知为准，可咨询当地工信部门",
        "penalty": "以相关法律法规和主管部门的规定为准，可咨询当地工信或生态环境部门",
    },
    "en": {
        "tax": "check the Ministry of Finance and tax administration announcements, or ask the local tax office",
        "default": "check the competent department's implementing rules or application notices, or ask the local industry department",
        "penalty": "these follow the applicable laws and departmental rules; ask the local industry or environment department",
    },
}
NOT_SPECIFIED = {
    "zh": "文件没有规定{what}，{where}。",
    "en": "The documents do not specify {what}; {where}.",
}
# …when it holds for the documents of the places asked about, not for every cited one (the nation's 15%
# shown beside Guizhou's plan, which gives no figure of its own)
NOT_SPECIFIED_FOR = {
    "zh": "{whose}的文件没有规定{what}，{where}。",
    "en": "{whose} documents do not specify {what}; {where}.",
}

# --- scope replies and the long-input notice (chains/service.py) -------------------------------
ACK = {
    "zh": "不客气！还有赤泥综合利用政策方面的问题，随时问我。",
    "en": "You're welcome! Ask me anything else about red-mud policy.",
}
HELP = {
    "zh": "您好！我依据国家和地方的赤泥综合利用政策文件回答问题，每条回答都注明出处。直接发问题即可，例如：\n"
    + "\n".join(f"• {q}" for q in EXAMPLES_ZH),
    "en": "Hello! I answer questions on red-mud policy from the official documents, citing each source. Just ask, for example:\n"
    + "\n".join(f"• {q}" for q in EXAMPLES_EN),
}
QUESTION_KEPT = {
    "zh": "消息较长（{total} 字），只依据其中的问题作答（{n} 字以内）。",
    "en": "Your message was long ({total} characters); only the question in it (up to {n} characters) was answered.",
}
