# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup index run chat test lint bench clean

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

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check bot chains knowledge prompts tests bench
	$(BIN)/mypy bot chains knowledge

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
