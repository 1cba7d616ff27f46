"""Test setup shared by every layer: offscreen Qt, no real keychain, no real keys or folders."""

from __future__ import annotations

import os

import keyring
import keyring.backend
import keyring.errors
import pytest

pytest_plugins = ["tests.fakes.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--headed", action="store_true", help="show windows on the real display")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--headed"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("QT_API", "pyside6")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--headed"):
        return
    real_x = pytest.mark.skip(reason="drives a real X server: `make test` runs it under Xvfb")
    for item in items:
        if "x11" in item.keywords:
            item.add_marker(real_x)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keychain that lives in a dict, so tests never touch the machine's real one."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class NoKeyring(keyring.backend.KeyringBackend):
    """Behaves like keyring's fail backend on a machine without D-Bus: reads raise too."""

    priority = 0

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")


@pytest.fixture(scope="session", autouse=True)
def gui_thread_collection(qapp):
    """As in the app: Python's cyclic collector runs on the GUI thread only, so no Qt object is
    ever destroyed by a collection that happens to start in a worker thread."""
    from editor.app.main_thread_gc import MainThreadCollector

    collector = MainThreadCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Every test gets an empty in-memory keychain, no key variables and private XDG folders."""
    for variable in ("MASKEDIT_API_KEY", "REQUESTY_API_KEY", "OPENAI_API_KEY", "MASKEDIT_PROVIDER",
                     "MASKEDIT_BASE_URL", "MASKEDIT_MODEL"):
        monkeypatch.delenv(variable, raising=False)
    home = tmp_path_factory.mktemp("home")
    for variable, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                          ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(variable, str(home / sub))
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(isolated_environment: MemoryKeyring) -> MemoryKeyring:
    return isolated_environment


@pytest.fixture
def no_keyring():
    keyring.set_keyring(NoKeyring())
    yield
