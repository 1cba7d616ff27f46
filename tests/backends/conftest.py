"""Backend test fixtures: a retry-sleep recorder and backends aimed at the loopback fake."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import ApiKey
from tests.fakes.edit_server import FakeEditServer


class SleepRecorder:
    """Stands in for `asyncio.sleep` in retries: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def make_backend(edit_server: FakeEditServer, fake_api_key: str,
                       sleeps: SleepRecorder) -> AsyncIterator[Callable[..., OpenAIHttpBackend]]:
    """`make_backend(**overrides)`: an `OpenAIHttpBackend` aimed at the fake, closed afterwards."""
    made: list[OpenAIHttpBackend] = []

    def make(**overrides: object) -> OpenAIHttpBackend:
        arguments: dict[str, object] = {"base_url": edit_server.base_url, "api_key": ApiKey(fake_api_key),
                                        "sleep": sleeps}
        arguments.update(overrides)
        backend = OpenAIHttpBackend(**arguments)  # type: ignore[arg-type]
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.aclose()
