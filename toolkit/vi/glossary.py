"""The curated Party/state glossary (toolkit/data/glossary_party_en.json) and the small
deterministic Vietnamese -> English renderer the summaries are built with.

`translate(phrase)` replaces glossary terms (longest first, matched under fold()), keeps proper
names with their diacritics, writes numbers in English notation, reorders "Huyện ủy Cầu Ngang" to
"Cầu Ngang District Party Committee" and joins a position to its body ("Bí thư Đảng ủy Khối" ->
"Secretary of the Bloc Party Committee"). Words it cannot render are reported in `leftover`; a
caller uses the English only when nothing is left over.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import ToolkitError
from .codes import DOC_KINDS
from .text import fold, nfc

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "glossary_party_en.json"

# an org term ending in one of these takes a following proper name in front of it
_PLACE_ENDINGS = ("tỉnh", "huyện", "xã", "tỉnh ủy", "huyện ủy", "thành ủy", "thành phố")
_DOC_KEYS = frozenset(fold(k) for k in DOC_KINDS)  # document words: 'quyết định', 'kế hoạch'...
_PLACE_WORDS = ("tỉnh", "huyện", "xã", "thành phố", "thị xã", "phường", "thị trấn")


class GlossaryError(ToolkitError):
    """The glossary file is missing or malformed."""


@dataclass(frozen=True)
class Term:
    vi: str
    en: str
    kind: str = "term"
    sg: str | None = None
    base: str | None = None  # an action's base form: 'quyết định kết nạp' -> 'decision to admit'

    @property
    def takes_name_before(self) -> bool:
        return self.kind == "org" and fold(self.vi).endswith(_PLACE_ENDINGS)


@dataclass
class Translation:
    text: str
    terms: list[Term] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list, repr=False)  # capitalised words kept as they are
    kinds: list[str] = field(default_factory=list, repr=False)  # the kind of each piece, in source order

    @property
    def ok(self) -> bool:
        return not self.leftover and bool(self.text.strip())


_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*(?:[-–]\d+)?%?")
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*(?:[-–]\d+)?%?|[^\W\d_]+|\S")


def en_number(raw: str) -> str:
    """A number written in Vietnamese notation, in English notation: '103,33%' -> '103.33%',
    '6.059' -> '6,059', '04' -> '4'. Years and anything unparseable are returned unchanged."""
    from .numbers import parse_number

    s = raw.strip()
    pct = s.endswith("%")
    core = s.rstrip("%").strip()
    if re.fullmatch(r"(?:19|20)\d\d", core) or re.search(r"\d[-–]\d", core):
        return s
    vals = parse_number(core, "vi")
    if not vals:
        return s
    v = min(vals, key=lambda x: abs(x))
    return format_en(v) + ("%" if pct else "")


def format_en(v: float) -> str:
    """English digits: thousands with ',', decimals with '.', no trailing zeros."""
    if abs(v - round(v)) < 1e-9:
        return f"{int(round(v)):,}"
    txt = f"{v:,.3f}".rstrip("0").rstrip(".")
    return txt


class Glossary:
    def __init__(self, terms: list[Term], version: str):
        self.terms = terms
        self.version = version
        self._by_key: dict[str, Term] = {}
        self._by_kind: dict[tuple[str, str], Term] = {}  # a word can be a term and an action or a counted noun
        for t in terms:
            self._by_key.setdefault(self._key(t.vi), t)
            self._by_kind.setdefault((t.kind, self._key(t.vi)), t)
        self._actions = {self._key(t.vi): t for t in terms if t.kind == "action"}
        self._unit_names = frozenset(fold(x) for t in terms if t.kind == "unit" for x in (t.en, t.sg) if x)
        alts = sorted(self._by_key, key=len, reverse=True)
        self._re = re.compile(r"(?<!\w)(?:" + "|".join(self._pattern(a) for a in alts) + r")(?!\w)")

    @staticmethod
    def _key(s: str) -> str:
        s = fold(nfc(s))
        s = re.sub(r"\s*[-–]\s*", "-", s)
        return re.sub(r"\s+", " ", s).strip()

    @staticmethod
    def _pattern(key: str) -> str:
        out = []
        for ch in key:
            if ch == " ":
                out.append(r"\s+")
            elif ch == "-":
                out.append(r"\s*[-–]\s*")
            else:
                out.append(re.escape(ch))
        return "".join(out)

    def lookup(self, vi: str) -> Term | None:
        return self._by_key.get(self._key(vi))

    def terms_in(self, text: str) -> list[Term]:
        """Glossary terms occurring in a Vietnamese text (each once, in order), function words excluded."""
        seen: list[Term] = []
        for m in self._re.finditer(fold(nfc(text))):
            t = self._by_key.get(self._key(m.group(0)))
            if t and t.kind != "function" and t not in seen:
                seen.append(t)
        return seen

    def translate(self, phrase: str) -> Translation:
        text = nfc(phrase).strip()
        folded = fold(text)
        pieces: list[tuple[str, str, Term | None]] = []  # (kind, text, term)
        used: list[Term] = []
        pos = 0
        for m in list(self._re.finditer(folded)) + [None]:
            end = m.start() if m else len(text)
            for tok in _TOKEN_RE.findall(text[pos:end]):
                if _NUM_RE.fullmatch(tok):
                    pieces.append(("num", tok, None))
                elif tok[0].isalpha():
                    pieces.append(("name" if tok[0].isupper() else "word", tok, None))
                else:
                    pieces.append(("punct", tok, None))
            if m is None:
                break
            term = self._by_key[self._key(m.group(0))]
            used.append(term)
            pieces.append((term.kind, term.en, term))
            pos = m.end()
        pieces = self._action_first(self._document_verbs(pieces))
        leftover = [p[1] for p in pieces if p[0] == "word"]
        text_en, names = _assemble(pieces)
        return Translation(text=text_en, terms=used, leftover=leftover, names=names,
                           kinds=[k for k, t, _ in pieces if k not in ("punct",) and t])

    def _document_verbs(self, pieces: list[tuple[str, str, Term | None]]) -> list[tuple[str, str, Term | None]]:
        """A document word followed by an action is the document of that action, not a document that acted: 'quyết
        định kết nạp' -> 'decision to admit', 'kế hoạch kiểm tra' -> 'plan to inspect' (Vietnamese puts the head noun first)."""
        out: list[tuple[str, str, Term | None]] = []
        for piece in pieces:
            prev = out[-1][2] if out else None
            act = self._actions.get(self._key(piece[2].vi)) if piece[2] is not None else None
            if prev is not None and act is not None and act.base and self._key(prev.vi) in _DOC_KEYS:
                doc = self._by_kind.get(("unit", self._key(prev.vi)))
                en = f"{doc.sg if doc and doc.sg else prev.en.lower()} to {act.base}"
                out[-1] = ("term", en, Term(vi=f"{prev.vi} {act.vi}", en=en))
                continue
            out.append(piece)
        return out

    def _action_first(self, pieces: list[tuple[str, str, Term | None]]) -> list[tuple[str, str, Term | None]]:
        """A phrase that opens with an action and goes on with what it was done to names the things so treated, as a
        label does: 'thi hành kỷ luật đảng viên' -> 'Party members disciplined', 'quán triệt nghị quyết' -> 'resolutions
        disseminated'. With a body before the action ('Đảng bộ tỉnh kết nạp đảng viên') it is a sentence and stays."""
        act = self._actions.get(self._key(pieces[0][2].vi)) if len(pieces) > 1 and pieces[0][2] is not None else None
        rest = [self._by_kind.get(("unit", self._key(t.vi)), t) if t is not None else None for _, _, t in pieces[1:]]
        if act is None or any(t is None or t.kind not in ("unit", "term", "qualifier") for t in rest) or \
                not any(t.kind == "unit" for t in rest):  # type: ignore[union-attr]
            return pieces
        return [(t.kind, t.en, t) for t in rest if t is not None] + [("action", act.en, act)]

    def title(self, title: str) -> str | None:
        """A person's title in English ('Tỉnh ủy viên, Bí thư Đảng ủy Khối' -> 'member of the
        Provincial Party Committee and Secretary of the Bloc Party Committee'), or None."""
        parts = [p for p in re.split(r"\s*[,;]\s*|\s+-\s+", nfc(title).strip()) if p.strip()]
        out: list[str] = []
        for p in parts:
            tr = self.translate(p)
            if not tr.ok or tr.names or not set(tr.kinds) <= {"position", "org", "function"} or \
                    any(a == b == "position" for a, b in zip(tr.kinds, tr.kinds[1:])):
                return None  # two titles in a row ("Trưởng đoàn Đại biểu Quốc hội") are one the glossary lacks
            out.append(tr.text)
        if not out:
            return None
        return out[0] if len(out) == 1 else ", ".join(out[:-1]) + " and " + out[-1]

    def subject(self, label: str, label_en: str = "") -> str | None:
        """What a figure counts, in English: its record gloss `label_en` when it is English words (no
        digits, no Vietnamese letters), else the glossary rendering of its Vietnamese `label`, else None."""
        en = re.sub(r"\s+", " ", label_en or "").strip(" .,;:")
        bare = fold(en) in self._unit_names  # "Party members" alone does not say what a count is of
        if en and label:  # a word-by-word rendering of several glossary pieces is not a gloss:
            tr = self.translate(label)  # "lớp bồi dưỡng ... đảng viên mới" -> "classes political theory training new Party members"
            pieces = [k for k in tr.kinds if k != "function"]
            bare = bare or (fold(tr.text) == fold(en) and len(pieces) > 1 and pieces != ["unit", "action"])
        if en and not bare and not re.search(r"\d", en) and en.isascii() and re.search(r"[A-Za-z]{3,}", en):
            return en
        # else only a label that is one glossary term ("thu nhập bình quân đầu người"): a word-by-word rendering
        # of a label reads wrongly, and the counted noun alone ("đảng viên") does not say what a rate is of
        t = self.lookup(label) if label else None
        return t.en if t is not None and t.kind in ("term", "qualifier") and re.search(r"[A-Za-z]{3,}", t.en) else None

    def names_counted(self, text_en: str) -> bool:
        """Whether an English noun phrase is headed by a counted noun of the glossary ('Meetings held', 'new Party
        members admitted'; not 'total revenue of enterprises', whose head is 'revenue')."""
        t = re.sub(r"^(?:new|newly)\s+", "", fold(text_en).strip())
        return any(re.match(re.escape(u) + r"(?!\w)", t) for u in self._unit_names)

    def term_at_start(self, text: str) -> Term | None:
        """The glossary term a folded text starts with (longest), or None."""
        found = self.span_at_start(text)
        return found[0] if found else None

    def span_at_start(self, text: str, kind: str | None = None) -> tuple[Term, int] | None:
        """(the glossary term a folded text starts with, where it ends in the text), or None; with `kind`, the
        term of that kind ('kiểm tra' is the term 'inspection' and the action 'inspected')."""
        m = self._re.match(text)
        key = self._key(m.group(0)) if m else ""
        t = (self._by_key.get(key) if kind is None else self._by_kind.get((kind, key))) if m else None
        return (t, m.end()) if t is not None and m is not None else None

    def action_at_end(self, text: str) -> Term | None:
        """The action term (kind 'action') a folded text ends with, or None."""
        act = [m for m in self._re.finditer(text) if m.end() == len(text)]
        return self._actions.get(self._key(act[-1].group(0))) if act else None

    def org(self, name: str) -> str | None:
        """An organisation in English, or None when some word has no glossary rendering or the name is not
        made of bodies, places and proper names only (a fragment such as 'Đảng bộ tỉnh kết nạp 1')."""
        name = re.split(r"\s+(?:khóa|khoá|nhiệm kỳ|lần thứ)(?:\s|$)", nfc(name).strip(), maxsplit=1, flags=re.IGNORECASE)[0]
        tr = self.translate(name)
        if not tr.ok or "org" not in tr.kinds or not set(tr.kinds) <= {"org", "name", "function"}:
            return None
        return tr.text


def _assemble(pieces: list[tuple[str, str, Term | None]]) -> tuple[str, list[str]]:
    # 1. a proper-name run right after a place-ending org goes in front of it
    out: list[tuple[str, str, Term | None]] = []
    i = 0
    while i < len(pieces):
        kind, txt, term = pieces[i]
        if term is not None and term.takes_name_before:
            j = i + 1
            names: list[str] = []
            while j < len(pieces) and pieces[j][0] == "name":
                names.append(pieces[j][1])
                j += 1
            if names:
                # the name goes before the body it names: "Ban Thường vụ Tỉnh ủy Phú Yên" ->
                # "Standing Committee of the Phú Yên Provincial Party Committee"
                head, sep, tail = txt.rpartition(" of the ")
                out.append(("org", f"{head}{sep}{' '.join(names)} {tail}" if sep else " ".join(names) + " " + txt, term))
                i = j
                continue
        out.append((kind, txt, term))
        i += 1
    # 2. a number 1 before a unit takes the singular; numbers to English notation
    words: list[str] = []
    prev_kind = ""
    prev_num = None
    for kind, txt, term in out:
        if kind == "num":
            prev_num = txt
            words.append(en_number(txt))
        elif kind == "unit" and term is not None:
            one = prev_kind == "num" and prev_num is not None and en_number(prev_num) == "1"
            words.append(term.sg if one and term.sg else txt)
        elif kind == "org" and prev_kind == "position":
            words.append("of the " + txt)
        elif kind == "org" and prev_kind == "org" and term is not None:
            # Vietnamese names a body before the body it belongs to: "Đảng ủy Văn phòng UBND tỉnh" ->
            # "Party Committee of the Office of the Provincial People's Committee"; a place takes no article
            words.append(("of " if fold(term.vi) in _PLACE_WORDS else "of the ") + txt)
        elif txt:
            words.append(txt)
        if kind != "num":
            prev_num = None if kind != "punct" else prev_num
        prev_kind = kind if txt else prev_kind
    names = [txt for kind, txt, _ in out if kind == "name"]
    s = " ".join(w for w in words if w)
    s = re.sub(r"\s+([,.;:)%])", r"\1", s)
    s = re.sub(r"(?<![\w,.])(\d+) consecutive years", r"for \1 consecutive years", s)
    s = s.replace("“", '"').replace("”", '"')
    s = re.sub(r"([(“])\s+", r"\1", s)
    return re.sub(r"\s+", " ", s).strip(), names


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> Glossary:
    def build(data: dict, version: str) -> Glossary:
        return Glossary([Term(vi=nfc(t["vi"]), en=t["en"], kind=t.get("kind", "term"), sg=t.get("sg"), base=t.get("base"))
                         for t in data["terms"]],
                        version)

    return _read_json(Path(path), "glossary", "terms: [{vi, en, kind}]", build)


def _read_json(p: Path, what: str, shape: str, build):
    """build(data, version) of a JSON data file (version: its content hash); every problem is one line."""
    try:
        raw = p.read_bytes()
        return build(json.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest()[:8])
    except FileNotFoundError as e:
        raise GlossaryError(f"{p}: {what} not found; restore it from git") from e
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise GlossaryError(f"{p}: malformed {what} ({type(e).__name__}: {e}); fix the JSON ({shape})") from e


def load_glossary(path: Path | None = None) -> Glossary:
    return _cached(_load, Path(path or GLOSSARY_PATH), "glossary")


def _cached(loader, p: Path, what: str):
    """loader(path, mtime): read again only when the file changed; a missing file is one line."""
    try:
        mtime = p.stat().st_mtime_ns
    except FileNotFoundError as e:
        raise GlossaryError(f"{p}: {what} not found; restore it from git") from e
    return loader(str(p), mtime)


# --- the English -> Vietnamese query glossary (one loader for answer.py and index.py) ----------

EN_VI_PATH = Path(__file__).resolve().parent.parent / "data" / "glossary_en_vi.json"


@lru_cache(maxsize=4)
def _load_en_vi(path: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        terms = data.get("terms", data) if isinstance(data, dict) else data
        if isinstance(terms, list):
            terms = {e.get("en"): e.get("vi") for e in terms if isinstance(e, dict)}
        out: dict[str, tuple[str, ...]] = {}
        for en, vi in terms.items():
            if not en or not vi or str(en).startswith("_"):
                continue
            out[str(en)] = tuple([vi] if isinstance(vi, str) else [str(v) for v in vi])
    except (ValueError, AttributeError, TypeError) as e:
        raise GlossaryError(f"{p}: malformed glossary ({type(e).__name__}: {e}); fix the JSON (terms: {{en: [vi, ...]}})") from e
    return out


def load_en_vi(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """English phrase -> its Vietnamese renderings, as written in glossary_en_vi.json ({} when the
    file is absent). The query expansion of the index and the question analysis of answer.py
    shape this one mapping as they need."""
    p = Path(path or EN_VI_PATH)
    if not p.exists():
        return {}
    return _load_en_vi(str(p), p.stat().st_mtime_ns)
