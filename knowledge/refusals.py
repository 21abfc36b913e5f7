"""Why a document cannot be added (one line, Chinese and English), and how far one may expand.

Its own module so that every format's reader (``knowledge.loaders``, ``knowledge.docx_text``)
can raise the same errors without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


class DocumentError(ValueError):
    """A document that cannot be added, and why (Chinese / English, one line)."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


@dataclass(frozen=True)
class IngestLimits:
    """How much one document may expand to (defaults fit a 1,000-page plan with room to spare)."""

    max_text_chars: int = 2_000_000
    max_paragraphs: int = 50_000
    max_html_depth: int = 256
    max_unzipped_mb: float = 40.0
    max_pdf_pages: int = 2_000


DEFAULT_LIMITS = IngestLimits()


def too_big(zh: str, en: str) -> DocumentError:
    return DocumentError(f"文件过大，未收录：{zh}（请拆分后再上传）", f"document too large: {en}; split it and try again")
