"""The knowledge layer: documents, parsing into clauses, and the dense + keyword index.

Nothing here knows about Telegram or LLMs; ``chains`` builds on it, ``bot`` wires it up.
"""
