# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup index run chat ask need-q test test-fast lint bench bench-readme clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

index: setup  ## build the index if it is missing or the corpus changed
	$(BIN)/redmud ingest

run: index  ## the Telegram bot if TELEGRAM_BOT_TOKEN is set, else a chat on the terminal
	$(BIN)/redmud run

chat: index
	$(BIN)/redmud chat

ask: need-q index  ## make ask Q="贵州提高赤泥可利用性的责任单位是谁？"
	$(BIN)/redmud ask "$(Q)"

need-q:
	@test -n "$(Q)" || { echo 'usage: make ask Q="你的问题"'; exit 2; }

# Both run as a few pytest processes at once (tests/shards.py): one for the named test paths
# each, one for the rest. For one file: .venv/bin/python -m pytest -q tests/test_x.py
test: setup  ## everything, on the real model (README: "Tests")
	$(BIN)/python -m tests.shards --session-index \
		--shard tests/test_faults.py,tests/test_chroma_server.py,tests/telegram -- -q --durations=10

test-fast: setup  ## the inner loop: no whole-corpus index, no processes, a fake embedding model
	REDMUD_TEST_TIER=fast $(BIN)/python -m tests.shards --shard tests/telegram --shard tests/llm \
		-- -q -m "not slow and not meaning"

lint: setup
	$(BIN)/ruff check bot chains knowledge prompts tests bench
	$(BIN)/mypy bot chains knowledge

bench: setup  ## figures to bench/results/; exit 1 if a target is missed
	$(BIN)/python -m bench.run

bench-readme: setup  ## the same, and the table written into README.md
	$(BIN)/python -m bench.run --readme

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
