"""The one entry point every front end (CLI, Telegram, evaluator) uses to get an answer.

Placeholder interface: the pipeline (guard -> analysis -> retrieval -> compose) is filled in
by the core work; the signature here is the contract the bot and the LLM chain rely on.
"""
