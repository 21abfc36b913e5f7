"""The chains layer: question analysis, hybrid retrieval, composing and grounding checks.

Depends on ``knowledge``; never on ``bot`` or ``telegram``.
"""
