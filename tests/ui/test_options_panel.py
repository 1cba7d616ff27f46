"""The options panel follows what the model supports and is bound to Document.options."""

from __future__ import annotations

import pytest

from editor.backends.providers import PROFILES, ApiKey
from editor.core.document import Document
from editor.core.remembered_options import initial_options, remembered_edit_state, restore_edit_state
from editor.pipeline.options import EditOptions
from editor.settings.keys import store_api_key
from editor.settings.store import UserSettings, load_settings, save_settings
from editor.ui.panels.options import OFFLINE_NOTE, OptionsPanel, size_value


@pytest.fixture
def document() -> Document:
    document = Document()
    document.set_options(EditOptions(provider="openai", model="gpt-image-1"))
    return document


def make_panel(qtbot, document: Document, settings: UserSettings | None = None, env=None) -> OptionsPanel:
    panel = OptionsPanel(document, settings or UserSettings(), env=env if env is not None else {})
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def row_shown(panel: OptionsPanel, widget) -> bool:
    return panel.form.isRowVisible(widget)


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_edits_in_the_panel_reach_the_document(qtbot, document):
    panel = make_panel(qtbot, document)
    panel.variants.setValue(4)
    choose(panel.quality, "high")
    choose(panel.output_format, "webp")
    panel.compression.setValue(70)
    choose(panel.fidelity, "high")
    panel.stream.setChecked(True)
    panel.partial_images.setValue(3)
    options = document.options()
    assert (options.n, options.quality, options.output_format) == (4, "high", "webp")
    assert options.output_compression == 70
    assert (options.input_fidelity, options.stream, options.partial_images) == ("high", True, 3)


def test_document_changes_are_shown_without_echoing_back(qtbot, document, monkeypatch):
    panel = make_panel(qtbot, document)
    calls = []
    original = document.set_options
    monkeypatch.setattr(document, "set_options", lambda options: (calls.append(options), original(options)))
    original(EditOptions(provider="requesty", model="azure/openai/gpt-image-1.5", n=3, quality="low",
                         output_format="jpeg", output_compression=55))
    assert panel.provider.currentData() == "requesty"
    assert panel.model.currentText() == "azure/openai/gpt-image-1.5"
    assert (panel.variants.value(), panel.quality.currentData(), panel.compression.value()) == (3, "low", 55)
    assert calls == []


def test_input_fidelity_offers_what_the_model_takes(qtbot, document):
    panel = make_panel(qtbot, document)
    offered = lambda: [panel.fidelity.itemData(i) for i in range(panel.fidelity.count())]  # noqa: E731
    assert row_shown(panel, panel.fidelity) and offered() == [None, "low", "high"]
    choose(panel.fidelity, "high")
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-1-mini"))  # low only
    assert document.options().model == "gpt-image-1-mini" and document.options().input_fidelity is None
    assert row_shown(panel, panel.fidelity) and offered() == [None, "low"]
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-2"))  # always high: left out
    assert not row_shown(panel, panel.fidelity)


def test_a_transparent_background_rules_out_jpeg_at_once(qtbot, document):
    panel = make_panel(qtbot, document)
    choose(panel.output_format, "jpeg")
    assert document.options().output_format == "jpeg"
    choose(panel.background, "transparent")
    assert document.options().output_format == "png"
    assert panel.output_format.currentData() == "png"
    jpeg = panel.output_format.model().item(panel.output_format.findData("jpeg"))
    assert not jpeg.isEnabled() and "transparency" in panel.output_format.toolTip()
    choose(panel.background, "opaque")
    assert jpeg.isEnabled()


def test_compression_applies_to_jpeg_and_webp_only(qtbot, document):
    panel = make_panel(qtbot, document)
    assert not panel.compression.isEnabled()
    for fmt, enabled in (("jpeg", True), ("webp", True), ("png", False)):
        choose(panel.output_format, fmt)
        assert panel.compression.isEnabled() is enabled
    assert document.options().output_compression is None


def test_offline_hides_what_does_not_apply_and_says_so(qtbot, document):
    panel = make_panel(qtbot, document)
    choose(panel.provider, "local")
    assert document.options().provider == "local" and document.options().model == "auto"
    for widget in (panel.size, panel.quality, panel.background, panel.output_format, panel.compression,
                   panel.fidelity, panel.variants):
        assert not row_shown(panel, widget)
    assert panel.offline_note.isVisible() and panel.offline_note.text() == OFFLINE_NOTE
    assert panel.key_status.text() == "No key needed offline"
    choose(panel.provider, "openai")
    assert row_shown(panel, panel.size) and not panel.offline_note.isVisible()
    assert document.options().model == "gpt-image-1"


def test_custom_sizes_only_where_the_model_takes_them(qtbot, document):
    panel = make_panel(qtbot, document)
    assert not panel.size.isEditable()
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-2"))
    assert panel.size.isEditable()
    panel.size.setEditText("2048 x 1152")
    panel.size.lineEdit().editingFinished.emit()
    assert document.options().size == "2048x1152"
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-1"))
    assert document.options().size == "auto" and not panel.size.isEditable()
    assert size_value("1536 × 1024  landscape") == "1536x1024" and size_value("big") is None


def test_the_key_line_says_where_the_key_comes_from(qtbot, document, memory_keyring):
    document.set_options(EditOptions(provider="requesty", model="azure/openai/gpt-image-1"))
    panel = make_panel(qtbot, document)
    assert panel.key_status.text() == "No key — open Settings"
    store_api_key(PROFILES["requesty"], ApiKey("sk-in-keychain"))
    panel.set_settings(UserSettings())
    assert panel.key_status.text() == "Key: in keychain"
    with_env = make_panel(qtbot, document, env={"REQUESTY_API_KEY": "sk-env"})
    assert with_env.key_status.text() == "Key: from REQUESTY_API_KEY"
    with qtbot.waitSignal(panel.settings_requested):
        panel.settings_button.click()


def test_use_defaults_applies_the_defaults_from_settings(qtbot, document):
    defaults = (("provider", "openai"), ("model", "gpt-image-1.5"), ("quality", "high"), ("n", 2))
    panel = make_panel(qtbot, document, UserSettings(default_options=defaults))
    panel.defaults_button.click()
    options = document.options()
    assert (options.model, options.quality, options.n) == ("gpt-image-1.5", "high", 2)


def test_options_and_provider_survive_a_restart(tmp_path, document):
    path = tmp_path / "settings.json"
    document.set_options(EditOptions(provider="openai", model="gpt-image-1-mini", n=3, quality="low",
                                     output_format="webp", output_compression=80, stream=True,
                                     partial_images=2))
    document.set_prompt("Add a boat")
    save_settings(remembered_edit_state(UserSettings(), document, ("Add a boat",)), path)
    restored = Document()
    restore_edit_state(restored, load_settings(path), env={})
    assert restored.options() == document.options() and restored.prompt() == "Add a boat"


def test_first_start_picks_requesty_with_a_key_else_offline(memory_keyring):
    assert initial_options(UserSettings(), env={}).provider == "local"
    first = initial_options(UserSettings(), env={"REQUESTY_API_KEY": "k"})
    assert (first.provider, first.model) == ("requesty", "azure/openai/gpt-image-1")
    stored = (("n", "many"), ("zz", 1))
    damaged = initial_options(UserSettings(provider="openai", last_options=stored), env={})
    assert damaged.n == 1 and damaged.model == "gpt-image-1"


def test_a_damaged_options_entry_in_the_settings_file_is_ignored(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"last_options": ["n", 3], "default_options": {"n": 2, "bad": [1]}, '
                    '"prompt_history": ["a", 5, "b"]}')
    loaded = load_settings(path)
    assert loaded.last_options == () and loaded.default_options == (("n", 2),)
    assert loaded.prompt_history == ("a", "b")


def test_the_panel_follows_the_model_and_says_what_a_switch_changed(qtbot, document):
    panel = make_panel(qtbot, document)
    choose(panel.model, "gpt-image-2.6-sunburst")
    assert row_shown(panel, panel.complexity) and not row_shown(panel, panel.fidelity)
    assert [panel.quality.itemData(i) for i in range(panel.quality.count())][-2:] == ["xhigh", "max"]
    choose(panel.quality, "max")
    choose(panel.complexity, "low")
    assert (document.options().quality, document.options().complexity) == ("max", "low")
    assert "unconfirmed" in panel.model.toolTip()  # why input fidelity is not offered
    choose(panel.model, "gpt-image-1")
    options = document.options()
    assert (options.quality, options.complexity) == ("auto", None)  # never sent to gpt-image-1
    assert not row_shown(panel, panel.complexity) and row_shown(panel, panel.fidelity)
    assert "quality max → auto" in panel.adjusted_note.text()
    assert "complexity low → default" in panel.adjusted_note.text()
    assert not panel.adjusted_note.isHidden()
    choose(panel.model, "gpt-image-1.5")  # nothing to change this time
    assert panel.adjusted_note.isHidden()


def test_moderation_is_offered_only_where_the_body_can_carry_it(qtbot, document):
    panel = make_panel(qtbot, document)  # auto body: moderation switches the request to JSON
    assert row_shown(panel, panel.moderation)
    choose(panel.moderation, "low")
    assert document.options().moderation == "low"
    panel.set_settings(UserSettings(body_modes=(("openai", "multipart"),)))
    assert not row_shown(panel, panel.moderation)
    qtbot.waitUntil(lambda: document.options().moderation is None)  # never sent unseen


def test_a_free_size_model_offers_presets_and_checks_a_typed_size_as_it_is_typed(qtbot, document):
    panel = make_panel(qtbot, document)
    choose(panel.model, "gpt-image-2")
    offered = [panel.size.itemData(i) for i in range(panel.size.count())]
    assert offered[:5] == ["auto", "crop", "1k", "2k", "4k"]
    choose(panel.size, "2k")
    panel.size.activated.emit(panel.size.currentIndex())
    assert document.options().size == "2k"
    editor = panel.size.lineEdit()
    editor.setText("")
    qtbot.keyClicks(editor, "4096x1024")
    assert row_shown(panel, panel.size_note) and "3840" in panel.size_note.text()
    editor.setText("")
    qtbot.keyClicks(editor, "2048x1152")
    assert not row_shown(panel, panel.size_note)
    choose(panel.model, "gpt-image-1")  # no free sizes: the preset falls back to Auto, and says so
    assert document.options().size == "auto" and "size 2k → auto" in panel.adjusted_note.text()
