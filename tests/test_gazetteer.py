"""The gazetteer: every place-aware step asks it, so its lookups must be right for places the
bundled documents never name (a province plan staff add next year, a city with no plan)."""

from __future__ import annotations

import pytest

from knowledge.gazetteer import NATION, load_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def labels(gaz, text: str) -> list[str]:
    return [p.label for p in gaz.find(text)]


def test_every_province_and_its_aliases_resolve(gaz):
    provinces = [p for p in gaz.places.values() if p.level == 1]
    assert len(provinces) == 34
    assert gaz.get("山西省") == gaz.get("山西") == gaz.get("晋") == gaz.get("shanxi")
    assert gaz.get("shaanxi").name == "陕西省"
    assert gaz.get("henan").code == "410000" and gaz.get("豫").code == "410000"
    assert gaz.get("national").code == NATION and gaz.get("国家").code == NATION


def test_cities_know_their_province(gaz):
    sanmenxia = gaz.get("三门峡市")
    assert sanmenxia is not None and sanmenxia.level == 2
    assert [p.label for p in gaz.lineage(sanmenxia.code)] == ["三门峡", "河南", "国家"]
    assert gaz.within(sanmenxia.code, gaz.get("河南").code)
    assert not gaz.within(sanmenxia.code, gaz.get("贵州").code)


def test_places_named_in_questions(gaz):
    assert labels(gaz, "那滨州呢？") == ["滨州"]
    assert labels(gaz, "黔东南的赤泥怎么处理") == ["黔东南"]  # the prefecture, not 黔 the province
    assert labels(gaz, "豫企用赤泥做砖有补贴吗") == ["河南"]
    assert labels(gaz, "河南省洛阳市新安县") == ["河南", "洛阳", "新安县"]
    assert labels(gaz, "Who is responsible in Guizhou?") == ["贵州"]


def test_everyday_words_are_not_places(gaz):
    for text in ["太贵了", "怎么把赤泥藏起来", "新技术有哪些", "青年企业", "赤泥综合利用率"]:
        assert gaz.find(text) == [], text


def test_a_county_name_used_in_several_places_needs_its_province(gaz):
    assert labels(gaz, "北京朝阳区") == ["北京", "朝阳区"]
    assert labels(gaz, "朝阳区的政策") == []
