"""The Settings dialog: the provider (base URL, API key, Test connection), the default edit
options, request timeout and data folder, and the canvas preferences — one tab each.

Keys go to the OS keychain only (on OK; "Remove key" acts at once) and never into a settings
file. Without a keychain the dialog says so and names the environment variable to use instead.

The connection fields show what an edit will use, and beside each where it comes from
(editor.settings.sources): the environment, the keychain, the settings file or the default. An
address from MASKEDIT_BASE_URL is shown read-only and never copied into the settings, so pressing
OK cannot turn a session's override into a saved one.

Test connection asks with the address and key an edit would use (the environment's first, as
for edits), runs `list_models()` as a task the dialog owns on the app's qasync loop, with a
Cancel button and a time limit; closing the dialog cancels it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.backends import create_backend
from editor.backends.base import EditError
from editor.backends.models import model_spec
from editor.backends.providers import PROFILES, ApiKey, ProviderProfile, check_base_url
from editor.core.document import Document
from editor.core.remembered_options import initial_options, options_from_pairs, options_to_pairs
from editor.settings.environment import ENV_BASE_URL, env_base_url
from editor.settings.keys import (
    GENERIC_KEY_ENV,
    KeychainUnavailable,
    find_api_key,
    forget_api_key,
    store_api_key,
)
from editor.settings.sources import Origin, effective_base_url, key_origin, key_tail
from editor.settings.store import UserSettings, data_dir, settings_path
from editor.ui import theme
from editor.ui.dialogs.preferences import CanvasPreferences
from editor.ui.dialogs.results_preferences import ResultsPreferences
from editor.ui.dialogs.selection_preferences import SelectionPreferences
from editor.ui.panels import quiet_label
from editor.ui.panels.options import PROVIDERS, OptionsPanel

log = logging.getLogger(__name__)

TEST_TIMEOUT_S = 20.0
URL_TIP = "The API address, usually ending in /v1. Empty: the provider's default."


def ask_folder(parent: QWidget | None, start: str) -> Path | None:
    """The system folder chooser; a function so tests can replace it."""
    path = QFileDialog.getExistingDirectory(parent, "Choose the Data Folder", start)
    return Path(path) if path else None


BODY_TEXTS = {"auto": "Auto (multipart; JSON when moderation is set)", "multipart": "Multipart (as the SDKs)",
              "json": "JSON with the images inline", "files": "JSON with file IDs (upload once, reuse)"}
BODY_TIP = ("How requests are written. File IDs upload each photo, reference and mask once to the provider's "
            "Files API and name them in every later edit: iterating on a large photo sends it once. The "
            "uploads expire after a day and are deleted when the project closes. Not every provider offers "
            "the Files API (Requesty: unconfirmed).")


def connected_sentence(models: list[str], profile: ProviderProfile) -> str:
    """What Test Connection found: how many models, the image models Maskedit knows (their options
    follow the capability table) and those it does not (usable; only what the user sets is sent)."""
    if not models:
        return "Connected — the service lists no models."
    count = f"{len(models)} model" + ("" if len(models) == 1 else "s")
    images = [m for m in models if "image" in m.lower() or m in profile.models]
    if not images:
        return f"Connected — {count}, none of them an image model by its name."
    known = [m for m in images if model_spec(m).known]
    unknown = [m for m in images if not model_spec(m).known]
    parts = [f"Connected — {count}."]
    if known:
        parts.append(f"Known image models: {_listed(known)}.")
    if unknown:
        parts.append(f"Not in Maskedit's table (usable; only the options you set are sent): "
                     f"{_listed(unknown)}.")
    return " ".join(parts)


def _listed(names: list[str], most: int = 6) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _sentence(colour: QColor | None = None) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    # A wrapped label in a form otherwise reserves the height it would need at its narrowest.
    label.setMinimumWidth(340)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if colour is not None:
        palette = label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        label.setPalette(palette)
    return label


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class SettingsDialog(QDialog):
    """Edits a copy of UserSettings; after Accept, `settings()` returns it (keys are already in
    the keychain by then). `provider` opens the dialog on that provider's page; `loop` is the
    app's qasync loop (default: the current event loop); `env` is the environment edits read (the
    window's; default os.environ); `settings_file` is where `settings` were read from and will be
    saved (default: the standard place), named beside the values that come from it."""

    def __init__(self, settings: UserSettings, *, provider: str | None = None,
                 loop: asyncio.AbstractEventLoop | None = None, env: Mapping[str, str] | None = None,
                 settings_file: Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._original, self._loop, self._env = settings, loop, env
        self._environ: Mapping[str, str] = os.environ if env is None else env
        self._settings_file = settings_file or settings_path()
        self._urls = dict(settings.base_urls)
        self._bodies = dict(settings.body_modes)
        self._typed_keys: dict[str, str] = {}
        self._test_task: asyncio.Task | None = None
        self._shown: str | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(self._provider_page(), "Provider")
        self.tabs.addTab(self._defaults_page(settings), "Edits")
        self.canvas_page = CanvasPreferences(settings)
        self.tabs.addTab(self.canvas_page, "Canvas")
        self.results_page = ResultsPreferences(settings)
        self.tabs.addTab(self.results_page, "Results")
        self.selection_page = SelectionPreferences(settings)
        self.tabs.addTab(self.selection_page, "Selection")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        start = provider or settings.provider or "requesty"
        self.provider.setCurrentIndex(max(self.provider.findData(start), 0))
        self._show_provider(self.provider.currentData())

    # --- pages ---------------------------------------------------------------------------------------

    def _provider_page(self) -> QWidget:
        self.provider = QComboBox()
        for name, text in PROVIDERS:
            self.provider.addItem(text, name)
        self.provider.setToolTip("The provider whose address and key you are setting")
        self.provider.currentIndexChanged.connect(lambda _i: self._show_provider(self.provider.currentData()))
        self.provider_note = quiet_label()
        self.provider_note.setWordWrap(True)
        self.base_url = QLineEdit()
        self.base_url.textChanged.connect(self._url_edited)
        self.url_source = _sentence()
        self.url_problem = _sentence(theme.current().colour("danger"))
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setToolTip("Your API key. It is stored in the system keychain, never in a file.")
        self.key.textEdited.connect(self._key_edited)
        self.show_key = QToolButton()
        self.show_key.setText("Show")
        self.show_key.setCheckable(True)
        self.show_key.setToolTip("Show or hide the key you typed")
        self.show_key.toggled.connect(lambda on: self.key.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        self.remove_key = QPushButton("Remove Key")
        self.remove_key.setToolTip("Delete this provider's key from the system keychain now")
        self.remove_key.clicked.connect(self._remove_key)
        self.key_status = _sentence()
        self.test_button = QPushButton("Test Connection")
        self.test_button.setToolTip("Ask the service for its models with this address and key")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = _sentence()
        self.body = QComboBox()
        for mode, text in BODY_TEXTS.items():
            self.body.addItem(text, mode)
        self.body.setToolTip(BODY_TIP)
        self.body.currentIndexChanged.connect(self._body_edited)
        self.timeout = QSpinBox()
        self.timeout.setRange(10, 900)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("How long to wait for an edit before giving up (edits take 30–120 s)")
        self.timeout.setValue(round(self._original.read_timeout_s))
        self.timeout.setMaximumWidth(120)

        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.show_key)
        key_row.addWidget(self.remove_key)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        self.connection = QGroupBox("Connection")
        form = QFormLayout(self.connection)
        key_label = QLabel("API &key")
        key_label.setBuddy(self.key)
        form.addRow("&Base URL", self.base_url)
        form.addRow("", self.url_source)
        form.addRow("", self.url_problem)
        form.addRow(key_label, key_row)
        form.addRow("", self.key_status)
        form.addRow("", test_row)
        form.addRow("Request &body", self.body)
        self._connection_form = form
        page = QWidget()
        top = QFormLayout()
        top.addRow("&Provider", self.provider)
        top.addRow("", self.provider_note)
        requests = QFormLayout()
        requests.addRow("Request &timeout", self.timeout)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.connection)
        layout.addLayout(requests)
        layout.addStretch(1)
        return page

    def _defaults_page(self, settings: UserSettings) -> QWidget:
        # The default options are edited with the options panel itself, on a scratch document.
        self._defaults = Document(parent=self)
        stored = dict(settings.default_options)
        self._defaults.set_options(options_from_pairs(settings.default_options) if "provider" in stored
                                   else initial_options(replace(settings, last_options=()), self._env))
        self.defaults_panel = OptionsPanel(self._defaults, settings, show_key=False, env=self._env)
        self.data_folder = QLineEdit(settings.data_folder)
        self.data_folder.setPlaceholderText(str(data_dir()))
        self.data_folder.setToolTip("Where every result is saved as it arrives. Empty: the standard place.")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_data_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_folder, 1)
        folder_row.addWidget(browse)
        group = QGroupBox("Default options")
        inner = QVBoxLayout(group)
        inner.addWidget(quiet_label("The options panel starts with these; “Use Defaults” there returns "
                                    "to them."))
        inner.addWidget(self.defaults_panel)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(group)
        folder_label = QLabel("&Data folder")
        folder_label.setBuddy(self.data_folder)
        storage = QFormLayout()
        storage.addRow(folder_label, folder_row)
        layout.addLayout(storage)
        layout.addStretch(1)
        return page

    def _browse_data_folder(self) -> None:
        folder = ask_folder(self, self.data_folder.text() or str(data_dir()))
        if folder is not None:
            self.data_folder.setText(str(folder))

    # --- the result ------------------------------------------------------------------------------------

    def settings(self) -> UserSettings:
        """The original settings with this dialog's fields replaced. Never holds a key."""
        bodies = tuple(sorted((name, mode) for name, mode in self._bodies.items() if mode != "auto"))
        settings = replace(self._original, read_timeout_s=float(self.timeout.value()), body_modes=bodies,
                           base_urls=tuple(sorted((k, check_base_url(v)) for k, v in self._urls.items()
                                                  if v and not self._url_problem(v))),
                           default_options=options_to_pairs(self._defaults.options(), with_provider=True),
                           data_folder=self.data_folder.text().strip())
        settings = self.results_page.applied_to(self.canvas_page.applied_to(settings))
        return self.selection_page.applied_to(settings)

    def accept(self) -> None:
        """Store typed keys in the keychain, then close; without a keychain stay open and say why."""
        for name, text in self._typed_keys.items():
            if not text.strip():
                continue
            try:
                store_api_key(PROFILES[name], ApiKey(text))
            except ValueError as exc:  # not a key: say so where it was typed
                self.tabs.setCurrentIndex(0)
                self.provider.setCurrentIndex(self.provider.findData(name))
                self.key_status.setText(str(exc))
                return
            except KeychainUnavailable as exc:
                self.tabs.setCurrentIndex(0)
                self.provider.setCurrentIndex(self.provider.findData(name))
                self.key_status.setText(str(exc))
                return
        super().accept()

    def done(self, result: int) -> None:
        self.cancel_test()
        super().done(result)

    # --- provider page ----------------------------------------------------------------------------------

    def _show_provider(self, name: str) -> None:
        if self._shown is not None and self._shown != name:
            self.cancel_test()
            self.test_result.clear()
        self._shown = name
        profile = PROFILES[name]
        self.connection.setVisible(profile.needs_key)
        self.provider_note.setText(
            "The offline backend runs on this computer: no address or key is needed." if not profile.needs_key
            else f"{profile.label}: edits are sent to this address with this key.")
        self._show_url(name)
        self.key.setText(self._typed_keys.get(name, ""))
        self.body.blockSignals(True)
        self.body.setCurrentIndex(max(self.body.findData(self._bodies.get(name, "auto")), 0))
        self.body.blockSignals(False)
        self._show_key_status(profile)

    def _body_edited(self, _index: int) -> None:
        if self._shown is not None:
            self._bodies[self._shown] = self.body.currentData()

    def _show_key_status(self, profile: ProviderProfile, done: str = "") -> None:
        """Which key an edit will use and where it comes from; the key itself never, at most the
        last four characters of a long one."""
        lookup = find_api_key(profile, self._env)
        variable = profile.key_env or GENERIC_KEY_ENV
        keychain = lookup.problem is None or lookup.source is not None  # else: a bad key, not no keychain
        origin = key_origin(lookup)
        using = ""
        if lookup.key is not None and origin is not None:
            tail = key_tail(lookup.key)
            using = f"Using the key {origin.describe()}" + (f", ending {tail}." if tail else ".")
        for widget in (self.key, self.show_key, self.remove_key):
            widget.setEnabled(keychain)
        if not keychain:
            self.key.setPlaceholderText("No keychain on this computer")
            text = f"{using} {lookup.problem or ''}"
        elif origin is not None and origin.kind == "keychain":
            self.key.setPlaceholderText("A key is saved — type here to replace it")
            text = using
        elif origin is not None:
            self.key.setPlaceholderText("Type a key to keep in the keychain")
            text = (f"{using} The environment wins over a key saved here; to use another, change or "
                    f"unset {lookup.source}.")
        elif lookup.problem:  # a key that is no key, in the environment or the keychain
            self.key.setPlaceholderText("Paste your API key")
            text = lookup.problem
        else:
            self.key.setPlaceholderText("Paste your API key")
            text = (f"No key yet. Paste it here (it is stored in the system keychain) or set {variable}.")
        self.key_status.setText(" ".join(f"{done} {text}".split()))

    def _show_url(self, name: str) -> None:
        """The address edits for `name` go to. One from MASKEDIT_BASE_URL is shown read-only and
        kept out of the settings: it wins for this session only, and what is saved here is used
        again once it is unset."""
        override = env_base_url(self._environ, name)
        self.base_url.blockSignals(True)
        self.base_url.setText(override or self._urls.get(name, ""))
        self.base_url.blockSignals(False)
        self.base_url.setReadOnly(override is not None)
        self.base_url.setToolTip(URL_TIP if override is None else
                                 f"Set by {ENV_BASE_URL} for this session; change or unset it to change it.")
        self.base_url.setPlaceholderText(PROFILES[name].base_url or "https://my-router.example/v1")
        self._url_edited(self.base_url.text())

    def _url_edited(self, text: str) -> None:
        name = self.provider.currentData()
        overridden = env_base_url(self._environ, name) is not None
        if not overridden:
            self._urls[name] = text.strip()
        problem = ""
        if text.strip():
            try:
                check_base_url(text)
            except ValueError as exc:
                problem = str(exc)
        elif name == "custom":
            problem = "The Custom provider needs a base URL, e.g. https://my-router.example/v1."
        self.url_problem.setText(problem)
        self._connection_form.setRowVisible(self.url_problem, bool(problem))
        self._show_url_source(name)
        # Only what would be saved can block OK: a bad MASKEDIT_BASE_URL is the environment's.
        invalid = any(self._url_problem(url) for url in self._urls.values() if url)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not invalid)

    def _show_url_source(self, name: str) -> None:
        """Where the shown address comes from, as `effective_base_url` (the edits' resolving) says
        for the address in the field; and, under an override, where edits go without it."""
        profile = PROFILES[name]
        here = self._urls.get(name, "")  # typed, or as saved
        resolved = effective_base_url(self._original.with_base_url(name, here), name, self._environ,
                                      self._settings_file)
        origin = resolved.origin
        if origin.kind == "environment":
            saved = (f"{here} ({Origin('file', path=self._settings_file).describe()})" if here
                     else f"{profile.base_url} (default)" if profile.base_url else "no address")
            text = (f"{_capitalised(origin.describe())}: it wins over Settings and is never saved; change "
                    f"or unset the variable to change it. Without it: {saved}")
        elif origin.kind == "file" and here.rstrip("/") != (self._original.base_url_for(name) or ""):
            text = f"Saved to settings file {self._settings_file} when you press OK"
        elif origin.kind == "file":
            text = _capitalised(origin.describe())
        else:
            text = f"Default: {profile.label}'s own address" if resolved.value else ""
        self.url_source.setText(text)
        self._connection_form.setRowVisible(self.url_source, bool(text))

    @staticmethod
    def _url_problem(url: str) -> bool:
        try:
            check_base_url(url)
        except ValueError:
            return True
        return False

    def _key_edited(self, text: str) -> None:
        self._typed_keys[self.provider.currentData()] = text

    def _remove_key(self) -> None:
        profile = PROFILES[self.provider.currentData()]
        self._typed_keys.pop(profile.name, None)
        self.key.clear()
        try:
            forget_api_key(profile)
        except KeychainUnavailable as exc:
            self.key_status.setText(str(exc))
            return
        self._show_key_status(profile, done="Removed from the keychain.")

    # --- Test connection -----------------------------------------------------------------------------------

    def testing(self) -> bool:
        return self._test_task is not None

    def test_connection(self) -> None:
        """Start the test, or cancel it when it is running (the button says Cancel then)."""
        if self._test_task is not None:
            self.cancel_test()
            return
        profile = PROFILES[self.provider.currentData()]
        try:
            key, origin = self._test_key(profile)
        except ValueError as exc:
            self._show_result(str(exc), False)
            return
        if key is None:
            variable = profile.key_env or GENERIC_KEY_ENV
            self._show_result(f"There is no key to test with: type one above or set {variable}.", False)
            return
        # The address an edit would use once OK is pressed: the environment's, else the one typed.
        url = env_base_url(self._environ, profile.name) or self._urls.get(profile.name) or None
        try:
            backend = create_backend(profile, api_key=key, base_url=url, read_timeout=TEST_TIMEOUT_S)
        except EditError as exc:
            self._show_result(exc.message, False)
            return
        self._show_result(f"Connecting to {backend.base_url} with the key {origin}…", None)
        self.test_button.setText("Cancel Test")
        loop = self._loop or asyncio.get_event_loop()
        self._test_task = loop.create_task(self._run_test(backend, profile))

    def _test_key(self, profile: ProviderProfile) -> tuple[ApiKey | None, str]:
        """The key an edit would use once OK is pressed, and where it is from: a key in the
        environment wins (as for edits), then the one typed here (the keychain's after OK), then
        the keychain's. Raises ValueError for a typed text that is no key."""
        lookup = find_api_key(profile, self._env)
        origin = key_origin(lookup)
        if lookup.key is not None and origin is not None and origin.kind == "environment":
            return lookup.key, origin.describe()
        if lookup.problem and lookup.source not in (None, "keychain"):
            raise ValueError(lookup.problem)  # an edit would stop at the variable's bad key too
        typed = self.key.text().strip()
        if typed:
            return ApiKey(typed), "typed above"
        return lookup.key, origin.describe() if origin is not None else ""

    def cancel_test(self) -> None:
        if self._test_task is not None:
            self._test_task.cancel()

    async def _run_test(self, backend, profile: ProviderProfile) -> None:
        def show(text: str, good: bool | None) -> None:
            if self._shown == profile.name:  # the user may have moved on to another provider
                self._show_result(text, good)

        try:
            models = await asyncio.wait_for(backend.list_models(), TEST_TIMEOUT_S)
        except asyncio.CancelledError:
            show("Test cancelled.", None)
            raise
        except TimeoutError:
            show(f"No answer within {TEST_TIMEOUT_S:.0f} s. Check the base URL and your connection.", False)
        except EditError as exc:
            show(str(exc), False)
        except Exception:  # a test button must never take the app down; the log has the details
            log.exception("connection test failed unexpectedly")
            show("The test failed unexpectedly. Details are in the log.", False)
        else:
            show(connected_sentence(models, profile), True)
        finally:
            self._test_task = None
            self.test_button.setText("Test Connection")
            await backend.aclose()

    def _show_result(self, text: str, good: bool | None) -> None:
        colour = (self.palette().color(QPalette.ColorRole.WindowText) if good is None
                  else theme.current().colour("ok" if good else "danger"))
        palette = self.test_result.palette()
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.test_result.setPalette(palette)
        self.test_result.setText(text)
