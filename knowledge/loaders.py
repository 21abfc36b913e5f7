"""Text out of the files staff add: .txt, .md, .docx, .pdf, .html.

Every format ends as plain lines that go through the same ``parse_text`` as the bundled
corpus, so a new plan gets sections, clause ids and responsible units like the others. The
maintained libraries do the reading (python-docx, pypdf, beautifulsoup4, markdown-it-py,
charset-normalizer); they are imported only when a file of their kind arrives.

What a file may expand to is bounded (``IngestLimits``: extracted characters, paragraphs, HTML
nesting depth, the unzipped size of a .docx), checked as early as the format allows (a .docx's
zip directory before anything is inflated, HTML's nesting before a tree is built), because the
upload limit bounds only the compressed bytes: a 1 MB .docx can inflate to gigabytes.

A file we cannot read faithfully is refused with a ``DocumentError`` that says why, in
Chinese and English on one line: we never guess an encoding silently, and a scanned PDF
(no text layer) is not "an empty document" but a file that needs OCR first.
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import Any

from knowledge.refusals import DEFAULT_LIMITS, DocumentError, IngestLimits, too_big

__all__ = ["DEFAULT_LIMITS", "DocumentError", "IngestLimits", "SUPPORTED_SUFFIXES", "extract_text", "too_big"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")


def read_document(path: Path, limits: IngestLimits = DEFAULT_LIMITS) -> str:
    """The text of the file at ``path`` (see ``extract_text``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"无法读取文件 {path}", f"cannot read {path}: {exc.strerror or exc}") from exc
    return extract_text(path.name, data, limits)


def extract_text(filename: str, data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> str:
    """The text of a document given its file name (for the format) and its bytes, within ``limits``."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = " ".join(SUPPORTED_SUFFIXES)
        hint = "（.doc 请另存为 .docx）" if suffix == ".doc" else ""
        raise DocumentError(
            f"不支持的文件类型“{suffix or '无扩展名'}”{hint}，支持：{kinds}",
            f"unsupported file type '{suffix or 'no extension'}'; supported: {kinds}",
        )
    if not data.strip():
        raise DocumentError(f"文件 {filename} 是空的", f"{filename} is empty")
    if suffix == ".docx":
        text = _docx_text(data, limits)
    elif suffix == ".pdf":
        text = _pdf_text(data, limits)
    elif suffix in (".html", ".htm"):
        text = _html_text(data, limits)
    elif suffix in (".md", ".markdown"):
        text = _markdown_text(_bounded(decode_text(data), limits))
    else:
        text = decode_text(data)
    text = _bounded(text, limits).replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not _MEANINGFUL.search(text):
        raise DocumentError(f"文件 {filename} 中没有文字", f"{filename} contains no text")
    return text


def _bounded(text: str, limits: IngestLimits) -> str:
    """The text, if it is within the character and paragraph limits."""
    if len(text) > limits.max_text_chars:
        raise too_big(f"文字超过 {limits.max_text_chars:,} 字", f"more than {limits.max_text_chars:,} characters of text")
    lines = text.count("\n") + 1
    if lines > limits.max_paragraphs:
        raise too_big(f"段落超过 {limits.max_paragraphs:,} 个", f"more than {limits.max_paragraphs:,} paragraphs")
    return text


# --- plain text ------------------------------------------------------------------------------
def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030/GBK; anything else is refused.

    UTF-8 is tried strictly first (valid UTF-8 is almost never another encoding by accident);
    then GB18030, accepted only if charset-normalizer finds the result coherent (Big5 bytes, for
    one, decode as GB18030 without error into nonsense).
    """
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise _undecodable(f"{codec} BOM, invalid bytes at offset {exc.start + len(bom)}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and from_bytes(data, cp_isolation=["gb18030"]).best() is not None:
        return text
    guess = from_bytes(data).best()
    looks = f"looks like {guess.encoding}" if guess is not None else f"invalid UTF-8 at byte {utf8_error.start}"
    raise _undecodable(looks)


def _undecodable(detail: str) -> DocumentError:
    return DocumentError(
        "无法识别文件编码（不是 UTF-8 或 GBK/GB18030），请另存为 UTF-8 后重试",
        f"cannot decode the text: not UTF-8 or GBK/GB18030 ({detail}); save it as UTF-8",
    )


# --- Markdown --------------------------------------------------------------------------------
def _markdown_text(source: str) -> str:
    """Markdown's text without its syntax: headings become plain lines, emphasis and links their
    words, an ordered item keeps its number ("1."), since Chinese plans number their items."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable(["code", "text_join"])
    lines: list[str] = []
    prefix = ""
    for token in md.parse(source):
        if token.type == "list_item_open":
            prefix = f"{token.info}{token.markup}" if token.info else ""
        elif token.type == "inline":
            lines.append(prefix + _inline_text(token.children or []))
            prefix = ""
        elif token.type == "fence":
            lines.append(token.content)
    return "\n".join(lines)


_LEFT_DELIMITERS = re.compile(r"\*{1,3}|_{2,3}")


def _inline_text(children: list[Any]) -> str:
    """Inline text without markup. CommonMark does not close "**（一）标题。**正文" (a delimiter after
    Chinese punctuation, before a letter): such unmatched delimiters are dropped too; an escaped
    "\\*" (a ``text_special`` token) is kept."""
    parts = []
    for child in children:
        if child.type == "text":
            parts.append(_LEFT_DELIMITERS.sub("", child.content))
        elif child.type in ("text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


# --- Word ------------------------------------------------------------------------------------
def _docx_text(data: bytes, limits: IngestLimits) -> str:
    """Paragraphs and table rows, in document order (see ``knowledge.docx_text``)."""
    from knowledge.docx_text import docx_text

    return docx_text(data, limits)


# --- PDF -------------------------------------------------------------------------------------
def _pdf_text(data: bytes, limits: IngestLimits) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise DocumentError("无法读取这个 PDF 文件（文件损坏？）", f"unreadable PDF ({type(exc).__name__})") from exc
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))  # many "protected" PDFs only restrict printing/copying
        except Exception:
            opened = False
        if not opened:
            raise DocumentError("PDF 文件已加密（有密码），请先去除密码", "encrypted PDF (password-protected); remove the password first")
    try:
        count = len(reader.pages)
    except Exception as exc:
        raise DocumentError("无法读取这个 PDF 文件（文件损坏？）", f"unreadable PDF ({type(exc).__name__})") from exc
    if count > limits.max_pdf_pages:
        raise too_big(f"超过 {limits.max_pdf_pages:,} 页", f"more than {limits.max_pdf_pages:,} pages")
    pages: list[str] = []
    size = 0
    try:
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > limits.max_text_chars:
                raise too_big(f"文字超过 {limits.max_text_chars:,} 字", f"more than {limits.max_text_chars:,} characters of text")
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError("无法提取这个 PDF 的文字", f"could not extract text from the PDF ({type(exc).__name__})") from exc
    text = "\n".join(pages)
    if not _MEANINGFUL.search(text):
        raise DocumentError(
            "PDF 没有文字层（扫描件？），请先做文字识别（OCR）",
            "no text layer; scanned PDF? OCR it first",
        )
    return text


# --- HTML ------------------------------------------------------------------------------------
_DROP = ["script", "style", "nav", "noscript", "template", "head", "iframe", "svg", "button", "form"]
_BLOCKS = [
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section",
    "table", "td", "th", "tr", "ul",
]
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn"}  # decoded as their superset, as browsers do
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])")


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "p", "li",
         "td", "tr", "th", "option"}  # void elements, and ones whose end tag is optional (they do not nest deeply)


def html_depth(markup: str, stop_at: int) -> int:
    """How deeply the page's elements nest (a linear scan of the tags, stopping once past ``stop_at``)."""
    depth = deepest = 0
    for m in _TAG.finditer(markup):
        closing, name, selfclosing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or selfclosing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > stop_at:
                break
    return deepest


def _html_text(data: bytes, limits: IngestLimits) -> str:
    """The page's text, one block element per line; the declared <meta charset> is honoured."""
    from bs4 import BeautifulSoup, NavigableString
    from bs4.dammit import EncodingDetector
    from bs4.element import PreformattedString

    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    if declared:
        codec = "gb18030" if declared.lower() in _GB else declared
        try:
            markup = data.decode(codec)
        except LookupError:
            markup = decode_text(data)  # a charset name Python does not know: detect instead
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"网页声明的编码 {declared} 与内容不符，无法解码",
                f"the page declares charset {declared} but is not valid {declared} (byte {exc.start})",
            ) from exc
    else:
        markup = decode_text(data)
    _bounded(markup, IngestLimits(max_text_chars=limits.max_text_chars * 4, max_paragraphs=limits.max_paragraphs * 4))
    if html_depth(markup, limits.max_html_depth) > limits.max_html_depth:
        raise too_big(f"网页标签嵌套超过 {limits.max_html_depth} 层", f"HTML nested more than {limits.max_html_depth} levels deep")
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(_DROP):
        tag.decompose()
    for string in list(soup.find_all(string=True)):
        if isinstance(string, PreformattedString):  # comments, doctype, CDATA
            string.extract()
        elif string.find_parent("pre") is None:
            # whitespace in HTML is a space, and a source line break between Chinese words is nothing
            collapsed = re.sub(r"\s+", " ", _CJK_BREAK.sub("", str(string)))
            string.replace_with(NavigableString(collapsed))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (line.strip() for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)
