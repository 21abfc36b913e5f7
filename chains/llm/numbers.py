"""Figures (numbers, percentages, amounts, years, dates) found in text, in a comparable form.

Why: the grounding check must tell "25%" in an answer from "25 %", "２５％" or "百分之二十五" in a
clause (the same figure) and from "90%" (an invented one). Every figure becomes a key
(value, is_percent) with 万/亿 multipliers folded in; Chinese numerals are read (by cn2an) when
they look like a quantity (two or more numeral characters, or one followed by a unit), so "一是"
or "统一" are not figures. Words for shares are figures too, as percentages: "三分之二" (200/3 %),
"七成" (70%), "一半"/"半数" (50%), "全额"/"足额" (100%): a model that paraphrases a rate into
words must still find that rate in the clause. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import Any

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS)
# a single Chinese numeral counts as a figure only before one of these
_CN_UNIT_AFTER = "年个家项倍成万亿吨元类大条%"
_MULTIPLIER = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}

_ARABIC = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(千|万|亿)?\s*(%|‰|成)?")
_CN_PERCENT = re.compile(r"百分之([" + _CN_CHARS + r"点]+|\d+(?:\.\d+)?)")
_NUMERAL = r"(?:[" + _CN_CHARS + r"]+|\d+(?:\.\d+)?)"
_CN_FRACTION = re.compile(rf"({_NUMERAL})分之({_NUMERAL}(?:点[" + "".join(_CN_DIGITS) + r"]+)?)")
# 七成, 七成半 (70%, 75%); not the 一 of a word (统一成立, 唯一) nor 成 starting a word (一成不变, 三成员)
_CN_TENTHS = re.compile(r"(?<![统单唯同逐划专万])([一二三四五六七八九])成(半)?(?![立不员功果熟绩型])")
# words that state a share, as a percentage
_SHARE_WORDS = {"一半": 50, "半数": 50, "过半": 50, "全额": 100, "足额": 100}
_SHARE = re.compile("|".join(_SHARE_WORDS))
_CN_RUN = re.compile(r"[" + _CN_CHARS + r"]+")


@dataclass(frozen=True)
class Figure:
    surface: str  # as written (after NFKC), e.g. "25%", "二〇二五"
    key: tuple[str, bool] | None  # (normalised value, is_percent); None when it could not be read


def normalise(text: str) -> str:
    """NFKC folds full-width digits and signs (２５％ -> 25%); thin spaces become plain ones."""
    return unicodedata.normalize("NFKC", text or "")


def _dec_key(value: Decimal) -> str:
    value = value.normalize()
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _frac_key(value: Fraction) -> str:
    """A canonical text for a value: "25", "12.9", or "200/3" when no finite decimal is exact."""
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:
        return _dec_key(Decimal(value.numerator) / Decimal(value.denominator))
    return f"{value.numerator}/{value.denominator}"


@cache
def _cn2an() -> Any:
    """cn2an's reader, imported on first use (it loads its grammar at import, ~0.5 s)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cn2an
    return cn2an.cn2an


def chinese_to_int(run: str) -> int | None:
    """Reads 二十五 -> 25, 一千三百三十二万 -> 13320000, 二〇二五 -> 2025 (digit by digit);
    None for what is no number ("十五五", "千万")."""
    if not run or any(c not in _CN_CHARS for c in run):
        return None
    try:
        value = _cn2an()(run, "normal")
    except Exception:  # noqa: BLE001 - cn2an raises ValueError and others for non-numbers
        return None
    return int(value) if float(value).is_integer() else None


def _cn_decimal(text: str) -> Decimal | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    whole, _, frac = text.partition("点")
    integer = chinese_to_int(whole)
    if integer is None:
        return None
    if frac:
        if not all(c in _CN_DIGITS for c in frac):
            return None
        return Decimal(f"{integer}.{''.join(str(_CN_DIGITS[c]) for c in frac)}")
    return Decimal(integer)


def _shares(text: str) -> list[tuple[re.Match, Fraction | None]]:
    """Fractions, tenths and share words in `text`, each as a percentage (None: unreadable)."""
    found: list[tuple[re.Match, Fraction | None]] = []
    for m in _CN_FRACTION.finditer(text):
        den, num = _cn_decimal(m.group(1)), _cn_decimal(m.group(2))
        ok = den is not None and num is not None and den != 0
        found.append((m, Fraction(num) / Fraction(den) * 100 if ok else None))  # type: ignore[arg-type]
    for m in _CN_TENTHS.finditer(text):
        found.append((m, Fraction(_CN_DIGITS[m.group(1)] * 10) + (5 if m.group(2) else 0)))
    for m in _SHARE.finditer(text):
        found.append((m, Fraction(_SHARE_WORDS[m.group(0)])))
    return found


def extract_figures(text: str) -> list[Figure]:
    """All figures in `text` (already stripped of citation markers and titles by the caller)."""
    text = normalise(text)
    out: list[Figure] = []
    taken = [False] * len(text)

    def take(m: re.Match, fig: Figure) -> None:
        for i in range(m.start(), m.end()):
            taken[i] = True
        out.append(fig)

    for m in _CN_PERCENT.finditer(text):
        value = _cn_decimal(m.group(1))
        take(m, Figure(m.group(0), None if value is None else (_dec_key(value), True)))
    for m, share in _shares(text):
        if not any(taken[m.start() : m.end()]):
            take(m, Figure(m.group(0), None if share is None else (_frac_key(share), True)))
    for m in _ARABIC.finditer(text):
        if any(taken[m.start() : m.end()]):
            continue
        whole, frac, mult, pct = m.groups()
        try:
            value = Decimal(whole.replace(",", "") + (frac or ""))
        except InvalidOperation:  # pragma: no cover - the regex only admits digits
            continue
        if mult:
            value *= _MULTIPLIER[mult]
        if pct == "成":  # 7成 = 70%
            value *= 10
        take(m, Figure(m.group(0).strip(), (_dec_key(value), bool(pct))))
    for m in _CN_RUN.finditer(text):
        if any(taken[m.start() : m.end()]):
            continue
        run = m.group(0)
        after = text[m.end() : m.end() + 1]
        if len(run) == 1 and (after == "" or after not in _CN_UNIT_AFTER):
            continue
        if all(c in "十百千万亿" for c in run) and len(run) > 1:  # 千万 ("must"), 万亿 alone: words
            continue
        number = chinese_to_int(run)
        is_pct = after == "%"
        surface = run + ("%" if is_pct else "")
        out.append(Figure(surface, None if number is None else (str(number), is_pct)))
    return out


def figure_keys(text: str) -> set[tuple[str, bool]]:
    return {f.key for f in extract_figures(text) if f.key is not None}


def figure_supported(fig: Figure, keys: set[tuple[str, bool]], haystack: str) -> bool:
    """A figure is supported when its value occurs in the source (a plain number may match a
    percentage of the same value, never the other way round); one that could not be read
    ("十五五") when it occurs there verbatim. "7" is not supported by "2027"."""
    if fig.key is not None:
        value, pct = fig.key
        return (value, pct) in keys or (not pct and (value, True) in keys)
    compact = re.sub(r"\s+", "", fig.surface)
    return bool(compact) and compact in re.sub(r"\s+", "", normalise(haystack))
