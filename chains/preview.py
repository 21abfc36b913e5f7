"""How the first line's chosen sentences share a chat preview: each abridged to the words it was
chosen for, the best answer given most of the room, each framed with its place (named once for its
quotes in a row). :mod:`chains.firstline` chooses the sentences; :mod:`chains.headline` uses both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chains.coverage import label
from chains.enumeration import ITEM_CHARS, list_items
from chains.firstline import Pick
from chains.quoting import ABRIDGE_AT, ELLIPSIS, Quoted, abridge

# each sentence after the first keeps at least this many characters of the first line's budget and
# the first (the best answer) takes the rest, where each once had an equal share (75 = the old
# behaviour); fitted by bench/tune_answers.py (5-fold CV on the dev split, chains/data/answer_tuning.json):
# 30 on 356 dev cases, 15 on 764 (every fold chose it; CV 0.9516 against 0.9503 for 30; recorded there
# as chains.firstline.HEAD_RESERVE, where it was defined)
HEAD_RESERVE = 15


def framed(text: str, q: Quoted, lang: str) -> str:
    """The quote with the place it is from: 河南：到2027年…… / Henan: “…”."""
    where = label(q.hit.doc, lang)
    if lang == "en":
        return f"{where}: “{text}”"
    return text if text.startswith(where) else f"{where}：{text}"


def line(plan: list[Pick], rest: list[int], weights: Mapping[str, float], budget: int, figures: bool,
         lang: str, favour: Callable[[str], bool] | None = None) -> list[tuple[str, Quoted, list[int]]]:
    """The first line's text per clause (framed with its place, in the order the plan met them) and
    the sentences each shows. The first planned sentence, the best answer, may take all of ``budget``
    but ``HEAD_RESERVE`` for each other (what one leaves unused goes to the next); the first clause's
    other sentences fill what remains when it is the only one. ``favour``: what a cut keeps (see
    :func:`chains.quoting.abridge`)."""
    parts: dict[int, dict[int, str]] = {}
    clauses: dict[int, Quoted] = {}
    used = 0
    for n, pick in enumerate(plan):
        room = max(budget - used - min(budget // len(plan), HEAD_RESERVE) * (len(plan) - n - 1), 0)
        mine = parts.setdefault(id(pick.q), {})
        clauses.setdefault(id(pick.q), pick.q)
        for j in pick.also if pick.items else []:  # the count before its list ("落实4大行动、9项工作。")
            mine.setdefault(j, abridge(pick.q.body[j], pick.focus, room // 2, figures, favour))
            room -= len(mine[j])
            used += len(mine[j])
        said = "".join(t for k, mine_k in parts.items() if k != id(pick.q) for t in mine_k.values())
        part = _listed(pick.items, room) if pick.items else abridge(pick.q.body[pick.i], pick.focus, room, figures, favour, said)
        mine[pick.i] = part
        used += len(part)
        for j in [] if pick.items else pick.also:
            part = abridge(pick.q.body[j], weights, max(room - len(part), 0), figures, favour)
            mine.setdefault(j, part)
            used += len(part)
    first = plan[0].q
    for j in rest if not plan[0].items and len(plan) == 1 else []:
        if j in parts[id(first)]:
            continue
        part = abridge(first.body[j], weights, min(ABRIDGE_AT, max(budget - used, 0)), figures, favour)
        if used + len(part) > budget:
            continue
        parts[id(first)][j] = part
        used += len(part)
    out: list[tuple[str, Quoted, list[int]]] = []
    for key, q in clauses.items():
        titles = [t for t in list_items(q.hit.clause.body)]
        for j in sorted(parts[key]):  # an item's sentence keeps the item's title ("坚持绿色安全。") before it
            if j > 0 and j - 1 not in parts[key] and len(q.body[j - 1]) <= ITEM_CHARS + 3 \
                    and any(t in q.body[j - 1] for t in titles):
                parts[key][j - 1] = q.body[j - 1]
        text = q.render(parts[key])
        previous = out[-1][1] if out else None
        same_place = previous is not None and label(previous.hit.doc, lang) == label(q.hit.doc, lang)
        # the place is named once for its quotes in a row: 焦作：…[1]…[2] / Jiaozuo: “…” [1] “…” [2]
        kept = (text if lang == "zh" else f"“{text}”") if same_place else framed(text, q, lang)
        out.append((kept, q, sorted(parts[key])))
    return out


def _listed(items: list[str], room: int) -> str:
    """A clause's list items, joined as the documents join lists, cut with "……" where they run out of room."""
    shown: list[str] = []
    for item in items:
        if shown and len("、".join([*shown, item])) > room:
            return "、".join(shown) + ELLIPSIS
        shown.append(item)
    return "、".join(shown) + "。"
