"""Which places a question asks about, and which documents speak for them (from the gazetteer).

No place name appears here: places come from the gazetteer, documents carry theirs
(``DocumentMeta.place``). A document *covers* a place when its jurisdiction is the place or
contains it (a province's plan applies in its cities, the nation's everywhere); it is *local*
to a place when, below the national level, one contains the other (a city's reply answers a
question about its province).
"""

from __future__ import annotations

from collections.abc import Iterable

from chains.analysis import Analysis
from knowledge.gazetteer import Place, load_gazetteer
from knowledge.models import DocumentMeta


def asked_places(analysis: Analysis) -> list[Place]:
    """The places below the national level the question names (or implies, as analysis found)."""
    gazetteer = load_gazetteer()
    named = getattr(analysis, "places", None)
    found = list(named) if named is not None else [p for p in gazetteer.find(analysis.question) if p.level > 0]
    for slug in sorted(analysis.jurisdictions):
        place = gazetteer.get(slug)
        if place is not None and place.level > 0 and place not in found:
            found.append(place)
    # "郑州" implies 河南 too, but the question is about 郑州: its province's provisions apply there
    # anyway (``covers``), while another city of that province says nothing about it
    return [p for p in found if not any(q is not p and gazetteer.within(q.code, p.code) for q in found)]


def covers(doc: DocumentMeta, place: Place) -> bool:
    """The document's provisions apply in ``place``: its jurisdiction is the place or contains it."""
    own = doc.place
    return own is not None and load_gazetteer().within(place.code, own.code)


def local_to(doc: DocumentMeta, place: Place) -> bool:
    """Below the national level, the document's place is ``place``, inside it, or contains it."""
    own = doc.place
    if own is None or own.level == 0:
        return False
    gazetteer = load_gazetteer()
    return gazetteer.within(own.code, place.code) or gazetteer.within(place.code, own.code)


def relevant_to(doc: DocumentMeta, places: Iterable[Place]) -> bool:
    """The document answers for one of the places asked about: it covers it or is local to it."""
    return any(covers(doc, p) or local_to(doc, p) for p in places)


def own_documents(place: Place, documents: Iterable[DocumentMeta]) -> list[DocumentMeta]:
    """Indexed documents of the place itself or of a place inside it."""
    gazetteer = load_gazetteer()
    return [d for d in documents if d.place is not None and d.place.level > 0 and gazetteer.within(d.place.code, place.code)]


def parent_documents(place: Place, documents: Iterable[DocumentMeta]) -> list[DocumentMeta]:
    """Indexed documents of a place above it, below the national level (a province for its city)."""
    return [d for d in documents if d.place is not None and 0 < d.place.level < place.level and covers(d, place)]


def label(doc: DocumentMeta, lang: str) -> str:
    """How an answer names a document's place: 国家 / 河南 in Chinese, National / Henan in English."""
    place = doc.place
    if lang == "en":
        if place is None:
            return doc.jurisdiction.capitalize()
        return "National" if place.level == 0 else (place.latin.capitalize() or place.label)
    return doc.jurisdiction_label


def place_label(place: Place, lang: str) -> str:
    return (place.latin.capitalize() or place.label) if lang == "en" else place.label
