"""Everything the bot says, in one place: short, polite Chinese (our users are Chinese SMEs).

Texts here are plain; `formatting` escapes them when it builds HTML.
"""

from __future__ import annotations

from bot.telegram.render import Block

EXAMPLE_QUESTIONS = [
    "赤泥综合利用企业可以享受税收优惠吗？",
    "贵州提高赤泥可利用性的责任单位是谁？",
    "焦作2021年工业固废综合利用率提高到了多少？",
]

_INTRO = (
    "您好！我是赤泥综合利用政策助手。\n"
    "我只依据国家和地方发布的赤泥、工业资源综合利用相关文件回答问题，每条回答都附有出处。\n\n"
)
START = _INTRO + "直接把问题发给我即可。\n发送 /help 查看示例，/docs 查看收录的文件。"
# in groups privacy mode hides plain messages from the bot: say how to reach it
START_GROUP = (
    _INTRO + "在群里请 @我 并写上问题、回复我的消息，或发送 /ask 问题。\n发送 /help 查看示例，/docs 查看收录的文件。"
)
GREETING = "大家好！我是赤泥政策助手，只依据官方文件回答并注明出处。提问请 @我、回复我的消息，或发送 /ask 问题。"

HELP_HEAD = "我能回答赤泥综合利用相关政策文件里写明的内容：目标任务、支持政策（如税收优惠）、责任单位、各地数据等。"
HELP_USAGE_PRIVATE = (
    "用法：\n"
    "• 直接发送问题；回复我的回答或说“那河南呢？”可以继续追问。\n"
    "• 点击回答下方的 [n] 文件名 按钮可查看条款原文，👍/👎 告诉我们回答是否有用。\n"
    "• 在任何聊天里输入 @我 问题，可以把带出处的回答发到那个聊天。\n"
    "• /docs 收录的文件，/about 关于本助手。"
)
HELP_USAGE_GROUP = (
    "在群里这样问我：\n"
    "• @我 并写上问题；回复别人的问题并 @我，我回答那条问题。\n"
    "• 回复我的回答继续追问（如“那河南呢？”），或发送 /ask 问题。\n"
    "• 群里显示简要回答，点“展开全部”看完整回答，点 [n] 文件名 看条款原文。\n"
    "• 群管理员可用 /settings 设置默认地区、回答长短和语言。"
)
HELP_EXAMPLES_HEAD = "示例问题："

ABOUT = (
    "赤泥综合利用政策助手\n"
    "回答只来自收录的官方文件原文，并注明文件和条款；文件没有写明的，我会直说“文件中没有相关规定”。\n"
    "回答仅供参考，不构成法律或税务意见，具体以主管部门解释为准。"
)

ASK_USAGE = "请在 /ask 后面写上问题，例如：/ask 赤泥综合利用企业可以享受税收优惠吗？"
ASK_PROMPT = "请回复这条消息，写下您的问题。"
ASK_PLACEHOLDER = "您的问题"
NOTICE_CONTEXT = "转发的通知："
MEDIA_PRIVATE = "请用文字发送您的问题。"
ACK_LINE = "不客气！"
EXPAND = "展开全部"
EXPANDED = "已展开"
CLAUSE_BUTTON = "原文"
FEEDBACK_THANKS = "谢谢反馈！"
FEEDBACK_REPEAT = "已收到您的反馈"
GROUP_LIMITED = "本群提问较多，请约 {seconds} 秒后再问。"
CLAUSE_TRUNCATED_PRIVATE = "（原文较长，仅显示开头部分）"
ANSWER_GONE = "抱歉，这条回答已过期，请重新提问。"

SETTINGS_HEAD = "本群设置（仅群管理员可改）：\n默认地区：{place}\n回答：{form}\n语言：{language}"
SETTINGS_ADMINS_ONLY = "只有群管理员可以修改设置。"
SETTINGS_PRIVATE = "/settings 用于群聊：在群里由群管理员设置默认地区、回答长短和语言。"
SETTINGS_SAVED = "已保存"
SETTINGS_NONE = "未设置"
FORMS = {"brief": "简要", "full": "完整"}
LANGUAGES = {"zh": "中文", "en": "English"}

GAPS_HEAD = "近 {days} 天需要关注的问题（按次数）："
GAPS_LINE = "{count}× [{kind}] {question}"
GAPS_EMPTY = "近 {days} 天没有 👎、未作答或“文件未明确”的问题。"
GAP_KINDS = {"down": "👎", "declined": "未作答", "not_specified": "文件未明确"}
INLINE_EMPTY = "输入问题，例如：赤泥综合利用企业可以享受税收优惠吗"
EMPTY_QUESTION = "请告诉我您想问什么，例如：赤泥综合利用企业可以享受税收优惠吗？"
RATE_LIMITED = "您提问有点快了，请稍等约 {seconds} 秒再问。"
NOT_ALLOWED = "抱歉，本助手暂未对这个聊天开放。"
ADMIN_ONLY = "抱歉，这个命令只对管理员开放。"
ERROR = "抱歉，处理您的问题时出了点问题，请稍后再试。"
CLAUSE_GONE = "抱歉，这条原文已找不到了（知识库可能已更新），请重新提问。"
CLAUSE_SHOWN = "已显示原文"
CLAUSE_TRUNCATED = "（原文较长，已截断，私聊我可查看全文）"

SOURCES_HEAD = "出处："
CLAUSE_SECTION = "章节："
CLAUSE_UNITS = "责任单位："
REWRITTEN = "（按“{question}”理解）"

DOCS_HEAD = "收录的文件："
DOCS_EMPTY = "知识库里还没有文件。"
DOCS_LINE = "{i}. {title}（{place}，{date}，{count} 条）"
DOCS_SUPERSEDED = "（已被 {by} 取代）"
DATE_UNKNOWN = "日期未注明"

RELOADING = "正在重建索引，请稍候……"
RELOADED = "索引已重建：共 {count} 条条款，用时 {seconds:.1f} 秒。"
RELOAD_BUSY = "索引正在重建中，请稍后再试。"
RELOAD_FAILED = "重建索引失败，原索引继续使用。详情请查看日志。"

STATS = (
    "运行统计（自 {since} 起）\n"
    "已回答：{answered}\n"
    "无依据（未作答）：{abstained}\n"
    "LLM 回退：{fallbacks}\n"
    "出错：{errors}\n"
    "限流提示：{limited}\n"
    "回答用时 p50 {p50} / p95 {p95}\n"
    "端到端用时 p50 {e2e50} / p95 {e2e95}"
)

# the command menu (set_my_commands)
COMMANDS_PUBLIC = [
    ("ask", "提问（群里用 /ask 问题）"),
    ("help", "用法和示例问题"),
    ("docs", "收录的文件"),
    ("about", "关于本助手"),
]
COMMANDS_PRIVATE = [("start", "开始使用"), *COMMANDS_PUBLIC]
COMMANDS_GROUP = [*COMMANDS_PUBLIC, ("settings", "本群设置（群管理员）")]
COMMANDS_ADMIN = [*COMMANDS_PRIVATE, ("stats", "运行统计（管理员）"), ("gaps", "答不好的问题（管理员）"),
                  ("reload", "重建索引（管理员）")]


def block(text: str) -> Block:
    """One plain paragraph as a render block."""
    return Block("", text)
