"""Fit the composer's few remaining constants on the dev split, with five-fold cross-validation.

Why: a constant set by looking at the answers fits the answers looked at. Here each constant in
``GRID`` is searched together with the others on the dev split only (every eval case outside
``tests/data/heldout.txt``; the held-out fifth is never read). A setting's score on a case is
what the eval counts: retrieval, full correctness and facts-first, each 0 or 1 (facts-first only
where the case has ``must`` strings), averaged. Cross-validation chooses the best setting on
four folds and scores it on the fifth, so the figure printed says how well the choice carries to
cases it was not chosen on; the final values are chosen on all dev cases and, with ``--write``,
recorded in ``chains/data/answer_tuning.json`` (the code's constants cite that file).

Usage (needs a built index): REDMUD_DATA_DIR=… python -m bench.tune_answers [--write] [--only NAME …] [--paraphrases]
``--only`` searches the named constants alone, holding the others at their values in the code (a
constant added to the grid is fitted without re-running the whole product; the report says so).
``--paraphrases`` scores ``tests/data/paraphrases_dev.jsonl`` too (dev cases asked again in other
words; a case and its paraphrase share a fold): a setting must carry to wording it was not set on.
"""

from __future__ import annotations

import importlib
import itertools
import random
import time
from pathlib import Path

from bench.dev_eval import publish, split_cases
from chains.evaluate import load_cases, score

OUT = Path(__file__).resolve().parent.parent / "chains" / "data" / "answer_tuning.json"
FOLDS = 5
SEED = 20261125  # the retrieval fit's seed, so both fits split the dev cases alike
GRID: dict[str, list[float]] = {
    # both at the grid's edge, so searched further with --only on 1,121 dev cases (2026-11-27): RANK_KEEP
    # 4/5/6 with RANK_SHARE 0.65/0.55/0.45: every fold chose 4, four of five 0.65 (CV 0.9698; dev fit 0.9704
    # against 0.9671 at 6 / 0.45)
    "chains.compose.RANK_KEEP": [2, 3, 4],  # selection keeps this many of retrieval's best-ranked clauses…
    "chains.compose.RANK_SHARE": [0.85, 0.75, 0.65],  # …when within this share of the best score
    "chains.firstline.PART_SIMILARITY": [0.0, 2.0, 4.0, 6.0, 8.0],  # a sentence's meaning against one part's
    "chains.quoting.SEGMENT_SHARE": [0.5, 0.3],  # an abridged sentence keeps segments with this share of the best's words
    "chains.preview.HEAD_RESERVE": [75, 45, 30, 15, 0],  # the first line's room kept for each sentence after the first
    "chains.headline.FILL_FIRST_LINE": [False, True],  # the first line filled up with its clause's other sentences (ties: the shorter)…
    "chains.compose.POINT_KEEPS_REST": [False, True],  # …or those follow in the clause's point (not only those adding words)
    # the three below were searched with --only on 2026-11-26 and the code's values kept: RANK_POWER with
    # SIMILARITY_WEIGHT on 866 dev cases (CV 0.9552; 0.5/2.0 tie on the dev fit), RANK_POWER with
    # FIGURE_BONUS on 968 (CV 0.9590; 4 of 5 folds chose 1.0 / 2.0)
    "chains.firstline.RANK_POWER": [1.0, 0.5, 2.0],  # how much a clause's retrieval score scales its sentences' match
    "chains.quoting.SIMILARITY_WEIGHT": [0.5, 0.25, 1.0, 2.0],  # a sentence's e5 closeness to the question, against its words
    "chains.firstline.FIGURE_BONUS": [2.0, 1.0, 3.0],  # a sentence stating a quantity (or the kind asked) over one sharing words
    # these two were searched with --only on 968 dev cases (2026-11-26): every fold chose the code's values (CV 0.9600)
    "chains.quoting.NEAR_BEST": [0.6, 0.5, 0.7],  # a sentence (or a preferred clause's) this close to the best counts as near it
    "chains.quoting.HEADING_SHARE": [0.5, 0.3, 0.7],  # a heading's (or a context part's) word, against a sentence's own
    # searched with --only on 968 dev cases (2026-11-26): 0.4 (four folds of five), CV 0.9611
    "chains.compose.POINT_RATIO": [0.5, 0.4, 0.6, 0.7],  # another clause gives a point when it matches this share of the best
    # these two searched with --only on 968 dev cases (2026-11-26): the code's values kept (CV 0.9604)
    "chains.compose.REL_SHARE": [0.4, 0.3, 0.5],  # a clause is cited when it holds this share of the best one's topic weight
    "chains.quoting.MIN_SENTENCE_SCORE": [0.5, 0.3, 0.8],  # below this a sentence shares only generic words with the question
    # searched with --only on 1,121 dev cases (2026-11-27): every fold chose 3 (CV 0.9704; 0.9689 for 2)
    "chains.firstline.MAX_HEAD_SENTENCES": [3, 2],  # sentences the first line combines
    # searched with --only on 1,121 dev cases (2026-11-27): every fold chose 150 (0.9716; 135: 0.9680,
    # 120: 0.9657): a shorter line brings the points into the preview but loses more of its own answer
    "chains.headline.HEAD_BUDGET": [150, 135, 120],  # characters of quote in the first line
    # searched with SIMILARITY_WEIGHT, --only --paraphrases, on 1,121 dev cases and their 240 paraphrases
    # (2026-11-27): all twelve settings within 0.0013 (CV 0.9572; 2.0 / 0.4 best by 0.0005, under one
    # case-measure), so the code's values stay
    "chains.firstline.PREFERRED_SHARE": [0.5, 0.4, 0.3],  # the place asked about answers at this share of the best
}
PARAPHRASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "paraphrases_dev.jsonl"


def base_id(case_id: str) -> str:
    """The dev case a paraphrase re-asks (its id with the trailing "p"), so that both sit in one fold."""
    return case_id[:-1] if case_id.endswith("p") else case_id


class MemoEmbeddings:
    """The service's embeddings, each query embedded once for the whole search."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.cache: dict[str, list[float]] = {}

    def embed_query(self, text: str) -> list[float]:
        if text not in self.cache:
            self.cache[text] = self.inner.embed_query(text)
        return self.cache[text]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)


_ALIASES: dict[str, list[object]] = {}


def _aliases(name: str) -> list[object]:
    """The defining module and every chains module that imported the constant by name (``from
    chains.quoting import NEAR_BEST`` binds the same object): a setting must reach them all."""
    if name not in _ALIASES:
        import sys

        module, const = name.rsplit(".", 1)
        original = getattr(importlib.import_module(module), const)
        _ALIASES[name] = [m for key, m in list(sys.modules.items())
                          if key.startswith("chains") and getattr(m, const, None) is original]
    return _ALIASES[name]


def _set(setting: dict[str, float]) -> None:
    for name, value in setting.items():
        const = name.rsplit(".", 1)[1]
        for module in _aliases(name):
            setattr(module, const, value)


def case_scores(answerer, cases: list[dict]) -> list[float]:
    out = []
    for case in cases:
        r = score(case, answerer.answer(case["q"]))
        parts = [float(r.retrieval_ok), float(r.correct)] + ([float(r.facts_first)] if r.facts_first is not None else [])
        out.append(sum(parts) / len(parts))
    return out


def _get(name: str) -> float:
    module, const = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), const)


def main(only: list[str] | None = None, paraphrases: bool = False) -> None:
    from bot.app import build_services
    from bot.settings import Settings

    answerer = build_services(Settings(), llm=False).answerer
    answerer.embeddings = MemoEmbeddings(answerer.embeddings)
    answerer.warm_up()
    cases = split_cases("dev")
    if paraphrases:  # the dev cases asked again in other words: a setting must carry to new wording
        cases += load_cases(PARAPHRASES)
    grid = {name: values for name, values in GRID.items() if not only or name in only}
    held = {name: _get(name) for name in GRID if name not in grid}
    names = list(grid)
    settings = [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]
    table = []
    for setting in settings:
        _set(setting)
        table.append(case_scores(answerer, cases))
        print(setting, f"{sum(table[-1]) / len(cases):.4f}", flush=True)
    order = list(range(len(cases)))
    groups = sorted({base_id(c["id"]) for c in cases})
    random.Random(SEED).shuffle(groups)
    fold_of = {g: k % FOLDS for k, g in enumerate(groups)}
    folds = [[i for i in order if fold_of[base_id(cases[i]["id"])] == k] for k in range(FOLDS)]

    def mean(k: int, idx: list[int]) -> float:
        return sum(table[k][i] for i in idx) / max(len(idx), 1)

    def best(idx: list[int]) -> int:  # ties go to the setting listed first (the grid's first values)
        return max(range(len(settings)), key=lambda k: (round(mean(k, idx), 6), -k))

    cv = []
    for f in range(FOLDS):
        train = sorted(set(order) - set(folds[f]))
        k = best(train)
        cv.append(mean(k, folds[f]))
        print(f"fold {f}: {settings[k]} -> held fold {cv[-1]:.4f}")
    final = best(order)
    report = {
        "values": {**held, **settings[final]},
        "searched": names,
        "fitted_on": f"{len(cases)} dev cases (tests/data/eval*.jsonl minus heldout.txt"
                     + (", with tests/data/paraphrases_dev.jsonl)" if paraphrases else ")"),
        "date": time.strftime("%Y-%m-%d"),
        "objective": "mean over cases of retrieval, fully correct and facts-first (0/1 each)",
        "cv_folds": FOLDS,
        "cv_mean": sum(cv) / FOLDS,
        "dev_fit": mean(final, order),
        "grid": {name: values for name, values in GRID.items()},
    }
    publish(report, OUT)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="record the fit in chains/data/answer_tuning.json")
    parser.add_argument("--only", nargs="+", choices=list(GRID), help="search these constants alone")
    parser.add_argument("--paraphrases", action="store_true", help="score the dev paraphrases too (folds keep a case with its paraphrase)")
    args = parser.parse_args()
    main(args.only, args.paraphrases)
