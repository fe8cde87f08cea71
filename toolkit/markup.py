"""HTML and Markdown -> plain text lines, plus per-line hints for the layout classifier.

A hint is one of "title" (h1 / <title>), "caption" (figcaption, class *caption*, a Markdown image or italic line),
"byline" (class *author*/*byline*) or "chrome" (header, footer, aside, or a class/id naming site
furniture). Hints are keyed by line number in text.split("\\n"). No tag ever reaches the text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

Hints = dict[int, str]

_SKIP = {"script", "style", "nav", "noscript", "template", "svg", "iframe", "form", "button", "select", "head", "object", "canvas", "map"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed", "param", "track"}
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "td", "th", "table", "thead", "tbody",
    "blockquote", "section", "article", "header", "footer", "aside", "figure", "figcaption", "dl", "dt", "dd",
    "pre", "address", "main", "body", "html", "title", "caption", "center",
}
_CHROME_TAGS = {"header", "footer", "aside"}
_CHROME_CLASS = re.compile(
    r"footer|sidebar|side-bar|menu|breadcrumb|counter|visitor|thong-?ke|related|lienquan|tin-?khac|other-?news|comment|social|share|banner|advert|\bads?\b|widget|copyright|topbar|toolbar",
    re.I,
)
_CAPTION_CLASS = re.compile(r"caption|chu-?thich|image-desc|photo-desc", re.I)
_BYLINE_CLASS = re.compile(r"author|byline|tac-?gia", re.I)
_WS = re.compile(r"[ \t\r\n\f\v]+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, str | None]] = []  # (tag, skip, hint)
        self.blocks: list[tuple[str, str | None, str]] = []  # (text, hint, separator before)
        self.buf: list[str] = []
        self.buf_hint: str | None = None
        self.sep = "\n\n"
        self.title_tag = ""
        self.in_title = False
        self.seen_h1 = False

    # state ---------------------------------------------------------------------------
    def _skipping(self) -> bool:
        return any(s for _, s, _ in self.stack)

    def _hint(self) -> str | None:
        for _, _, h in reversed(self.stack):
            if h:
                return h
        return None

    def _flush(self, sep: str = "\n\n") -> None:
        text = _WS.sub(" ", "".join(self.buf)).strip()
        if text:
            self.blocks.append((text, self.buf_hint, self.sep))
            self.sep = sep
        else:
            # keep the strongest separator seen since the last block
            self.sep = "\n\n" if "\n\n" in (self.sep, sep) else sep
        self.buf, self.buf_hint = [], None

    # parser callbacks ----------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title":
            self.in_title = True
            return
        if tag == "br":
            self._flush("\n")
            return
        if tag in _VOID:
            if tag == "hr":
                self._flush()
            return
        cls = f"{a.get('class') or ''} {a.get('id') or ''}"
        hint = None
        if tag == "h1" and not self.seen_h1 and self._hint() != "chrome":
            hint, self.seen_h1 = "title", True
        elif tag == "figcaption" or _CAPTION_CLASS.search(cls):
            hint = "caption"
        elif tag in _CHROME_TAGS or _CHROME_CLASS.search(cls):
            hint = "chrome"
        elif _BYLINE_CLASS.search(cls):
            hint = "byline"
        skip = tag in _SKIP
        if tag in _BLOCK:
            self._flush()
        self.stack.append((tag, skip, hint))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
            return
        if tag in _VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                if tag in _BLOCK or any(t in _BLOCK for t, _, _ in self.stack[i:]):
                    self._flush()
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.in_title:
            self.title_tag += data
            return
        if self._skipping():
            return
        if not self.buf or not "".join(self.buf).strip():
            self.buf_hint = self._hint()
        self.buf.append(data)

    def close(self):
        super().close()
        self._flush()


def html_to_text(html: str) -> tuple[str, Hints]:
    """Text of block elements, one per line, blank line between blocks (a <br> gives a single newline)."""
    c = _Collector()
    c.feed(html)
    c.close()
    blocks = c.blocks
    title_tag = _WS.sub(" ", c.title_tag).strip()
    if not any(h == "title" for _, h, _ in blocks) and title_tag:
        blocks = [(title_tag, "title", "")] + blocks
    parts: list[str] = []
    hints: Hints = {}
    line = 0
    for i, (text, hint, sep) in enumerate(blocks):
        if i:
            parts.append(sep)
            line += sep.count("\n")
        parts.append(text)
        if hint:
            hints[line] = hint
    return "".join(parts), hints


# --- Markdown -----------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_IMAGE_ONLY = re.compile(r"^\s*!\[([^\]]*)\]\([^)]*\)\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_LIST = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+")
_MD_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_MD_WHOLE_EMPH = re.compile(r"^\s*(\*|_)(?!\1)(.+?)(?<!\1)\1\s*$")
_MD_EMPH = [
    re.compile(r"\*\*\*(.+?)\*\*\*"), re.compile(r"___(.+?)___"),
    re.compile(r"\*\*(.+?)\*\*"), re.compile(r"__(.+?)__"),
    re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"),
    re.compile(r"~~(.+?)~~"), re.compile(r"`([^`]+)`"),
]


def markdown_to_text(md: str) -> tuple[str, Hints]:
    """Strip Markdown syntax line by line (line numbers are kept, so blank lines stay blank)."""
    out: list[str] = []
    hints: Hints = {}
    title_done = False
    for i, line in enumerate(md.split("\n")):
        hint = None
        if _MD_RULE.match(line) or line.strip().startswith("```"):
            out.append("")
            continue
        m = _MD_HEADING.match(line)
        if m:
            line = m.group(2)
            if not title_done:
                hint, title_done = "title", True
        m = _MD_IMAGE_ONLY.match(line)
        if m:
            line, hint = m.group(1), "caption"
        line = _MD_QUOTE.sub("", line)
        line = _MD_LIST.sub(r"\1", line)
        if hint is None and _MD_WHOLE_EMPH.match(line) and not line.strip().startswith(("**", "__")):
            hint = "caption"  # a line wholly in italics is a photo caption in these articles
        line = _MD_IMAGE.sub(r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        for rx in _MD_EMPH:
            line = rx.sub(r"\1", line)
        line = line.replace("\\*", "*").replace("\\_", "_").replace("\\#", "#")
        out.append(line)
        if hint and line.strip():
            hints[i] = hint
    return "\n".join(out), hints
