"""Result images are base64-decoded a piece at a time, exactly as strictly as the whole at once."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editor.backends import result_images
from editor.backends.result_images import decode_base64


def _reference(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _piecewise(text: str) -> bytes | None:
    try:
        return decode_base64(text)
    except (binascii.Error, ValueError):
        return None


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch):
    monkeypatch.setattr(result_images, "_BASE64_PIECE", 8)  # many piece boundaries in short texts


@given(st.binary(max_size=200))
def test_what_was_encoded_comes_back(data):
    assert decode_base64(base64.b64encode(data).decode("ascii")) == data


DAMAGE = ["=", "==", "===", "A", "/", "+", " ", "\n", ".", "é", "-", "_"]


@given(st.binary(min_size=1, max_size=60), st.integers(min_value=0), st.sampled_from(DAMAGE))
def test_a_damaged_text_is_refused_exactly_when_b64decode_refuses_it(data, where, character):
    text = base64.b64encode(data).decode("ascii")
    at = where % (len(text) + 1)
    damaged = text[:at] + character + text[at:]
    assert _piecewise(damaged) == _reference(damaged)


@pytest.mark.parametrize("text", ["QQ==QQ==", "QUJDRA", "QUJD\nRA==", "QUJDRA===", "QUJ=RA==", "QUJDRA==é"])
def test_padding_in_the_middle_and_wrong_lengths_are_refused_as_b64decode_refuses_them(text):
    assert _reference(text) is None
    with pytest.raises((binascii.Error, ValueError)):
        decode_base64(text)


@pytest.mark.parametrize("text", ["", "QUJD=", "QUJD==", "QUJDRA=="])
def test_what_b64decode_lets_pass_passes(text):
    assert decode_base64(text) == _reference(text)
