"""decode._clean_controls: the control characters it refuses or blanks are exactly the C0 controls
other than tab/newline/vertical tab/form feed/carriage return, DEL and the C1 controls."""

from __future__ import annotations

import pytest

from toolkit.decode import _clean_controls
from toolkit.errors import InputError


def _bad(c: str) -> bool:  # the definition, one character at a time
    return (ord(c) < 32 and c not in "\t\n\r\f\v") or ord(c) == 0x7F or 0x80 <= ord(c) < 0xA0


def test_every_character_below_0x100_is_classified_as_the_definition_says():
    body = "Hội nghị tổng kết công tác năm của Huyện ủy Mường Tè. " * 40
    for n in range(0x100):
        c = chr(n)
        got = _clean_controls(body + c + body, "x.txt")
        assert got == (body + (" " if _bad(c) else c) + body), hex(n)


def test_many_controls_mean_binary_and_a_few_are_blanked():
    with pytest.raises(InputError, match="binary content"):
        _clean_controls("ab\x01\x02\x03\x04\x05\x06cd" * 3, "b.bin")
    assert _clean_controls("x" * 5000 + "\x85" + "y\u00a0z", "a.txt") == "x" * 5000 + " y\u00a0z"
