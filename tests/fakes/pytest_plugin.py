"""Fixtures for tests that talk to the fake edit service or need test images.

Register with `pytest_plugins = ["tests.fakes.pytest_plugin"]` in the root conftest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from editor.backends.base import ImagePart
from tests.fakes.edit_server import DEFAULT_API_KEY, FakeEditServer
from tests.fakes.images import Box, mask_bytes, mask_part, photo_bytes, photo_part

__all__ = ["edit_server", "fake_api_key", "make_mask", "make_mask_part", "make_photo", "make_photo_part"]


@pytest.fixture
def fake_api_key() -> str:
    """The key the `edit_server` fixture accepts."""
    return DEFAULT_API_KEY


@pytest.fixture
def edit_server(fake_api_key: str) -> Iterator[FakeEditServer]:
    """A running fake edit service on 127.0.0.1; `edit_server.base_url` ends in `/v1`."""
    with FakeEditServer(api_key=fake_api_key) as server:
        yield server


@pytest.fixture
def make_photo() -> Callable[..., bytes]:
    """`make_photo(width, height, image_format="PNG") -> bytes`: a gradient photo."""
    return photo_bytes


@pytest.fixture
def make_mask() -> Callable[..., bytes]:
    """`make_mask(width, height, hole=(l, t, r, b)) -> bytes`: an RGBA PNG, alpha 0 in the hole."""
    return mask_bytes


@pytest.fixture
def make_photo_part() -> Callable[..., ImagePart]:
    """`make_photo_part(width, height, image_format="PNG", filename=None) -> ImagePart`."""
    return photo_part


@pytest.fixture
def make_mask_part() -> Callable[[int, int, Box | None], ImagePart]:
    """`make_mask_part(width, height, hole=None) -> ImagePart`."""
    return mask_part
