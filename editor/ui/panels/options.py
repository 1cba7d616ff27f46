"""The options panel: provider, model and the edit options the selected model supports.

A view of `Document.options`: a change by the user calls `Document.set_options` (which removes
contradictions); the document's `options_changed` redraws the panel with its signals blocked.
What a model cannot do is hidden (input fidelity on gpt-image-1-mini, everything but the method
offline); what one choice rules out in another is disabled with a tooltip saying why.

In the window the rarely changed options sit behind a "More options" disclosure (its header lists
the ones not at their defaults), so the panel fits a 1366×768 screen; the Settings dialog shows
every row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QStandardItemModel, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.backends.models import OUTPUT_FORMATS, STANDARD_QUALITIES, ModelSpec
from editor.backends.providers import PROFILES
from editor.core.document import Document
from editor.core.remembered_options import choices_from_pairs, choices_to_pairs, options_from_pairs
from editor.pipeline.options import Capabilities, EditOptions, adjustments, capabilities, normalized
from editor.settings.keys import find_api_key
from editor.settings.store import UserSettings
from editor.ui import theme
from editor.ui.panels import compact_combos, wheel_only_when_focused

PROVIDERS: tuple[tuple[str, str], ...] = (
    ("requesty", "Requesty"), ("openai", "OpenAI"), ("custom", "Custom"), ("local", "Offline"))
SIZE_TEXTS = {"auto": "Auto", "crop": "As the crop (full detail)", "1k": "1K  about 1 MP",
              "2k": "2K  about 4 MP", "4k": "4K  about 8 MP, the largest",
              "1024x1024": "1024 × 1024  square", "1536x1024": "1536 × 1024  landscape",
              "1024x1536": "1024 × 1536  portrait"}
QUALITY_TEXTS = {"auto": "Auto", "low": "Low", "medium": "Medium", "high": "High", "xhigh": "Extra high",
                 "max": "Maximum"}
COMPLEXITY_TEXTS = {None: "Default", "low": "Low", "medium": "Medium", "high": "High"}
MODERATION_TEXTS = {None: "Default", "auto": "Auto", "low": "Low"}
MODERATION_TIP = ("How strictly the provider filters what it makes. Sent in a JSON body: not offered when "
                  "this provider's request body is set to multipart in Settings.")
COMPLEXITY_TIP = "How much the model plans the image before drawing it, apart from quality (gpt-image-2.6)"
QUALITY_TIP = "Higher quality takes longer and costs more"
FIDELITY_TIP = "How closely the model keeps the input's details and faces"
BACKGROUND_TIP = "Transparent needs PNG or WebP output"
MODEL_TIP = "The model; type any model id your provider offers"
CONTEXT_TEXTS = {"auto": "Auto", "mask": "Mask area", "whole": "Whole photo"}
CONTEXT_TIP = ("What the model sees. Auto sends a padded crop around the mask when it is a small part of a "
               "large photo (more detail for less); Mask area always does; Whole photo never. The amber "
               "frame on the canvas shows the crop.")
BACKGROUND_TEXTS = {"auto": "Auto", "opaque": "Opaque", "transparent": "Transparent"}
FORMAT_TEXTS = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}
FIDELITY_TEXTS = {None: "Default", "low": "Low", "high": "High"}
METHOD_TEXTS = {"auto": "Auto (texture for wide areas)", "telea": "Telea (fast)",
                "navier-stokes": "Navier–Stokes (smoother)"}
OFFLINE_NOTE = "Offline: removes what the mask covers; the prompt is ignored."
JPEG_RULED_OUT = "JPEG has no transparency: choose an Auto or Opaque background to use it."
_SIZE_PATTERN = re.compile(r"^\s*(\d{2,5})\s*[x×*]\s*(\d{2,5})\s*$")


def size_value(text: str) -> str | None:
    """What a typed or chosen size text means: "auto", "WxH", or None if it means nothing."""
    for value, shown in SIZE_TEXTS.items():
        if text.strip().lower() in (value, shown.lower()):
            return value
    match = _SIZE_PATTERN.match(text)
    return f"{int(match[1])}x{int(match[2])}" if match else None


class PreviewCount(QSpinBox):
    """1 preview, 2 previews, 3 previews."""

    def textFromValue(self, value: int) -> str:
        return f"{value} preview" + ("" if value == 1 else "s")

    def valueFromText(self, text: str) -> int:
        digits = "".join(c for c in text if c.isdigit())
        return int(digits) if digits else self.minimum()

    def validate(self, text: str, position: int):
        digits = "".join(c for c in text if c.isdigit())
        return (QValidator.State.Acceptable if digits and self.minimum() <= int(digits) <= self.maximum()
                else QValidator.State.Intermediate), text, position


class OptionsPanel(QWidget):
    """Provider, model and options of `document`, following what the model supports.

    `settings` gives the base URLs and the defaults ("Use defaults"); the key line says where the
    selected provider's key comes from. `settings_requested` asks the window to open Settings;
    after Settings closes, call `set_settings()` so the key line and defaults are current.
    With `show_key=False` the key line and the defaults button are left out (the Settings
    dialog uses the panel that way to edit the default options).
    """

    settings_requested = Signal()
    advanced_toggled = Signal(bool)  # the disclosure was opened (True) or closed by the user

    def __init__(self, document: Document, settings: UserSettings, parent: QWidget | None = None, *,
                 show_key: bool = True, env: Mapping[str, str] | None = None, disclosure: bool = False):
        super().__init__(parent)
        self._disclosure = disclosure
        self._offered: dict[QWidget, bool] = {}  # row field → whether the model makes it apply
        self._document, self._settings, self._env = document, settings, env
        # The last options used with each provider (from the settings, then this session's):
        # switching back to a provider brings back its model, variants, quality and the rest.
        self._choices: dict[str, EditOptions] = {
            provider: options_from_pairs((("provider", provider), *pairs))
            for provider, pairs in choices_from_pairs(settings.provider_options).items()}
        self._show_key = show_key
        self._shown_provider: str | None = None
        self._shown_sizes: tuple | None = None
        self._size_editor = None  # the size combo's line edit, once it is editable
        self.provider = self._combo("Where edits are sent", PROVIDERS)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model.setToolTip(MODEL_TIP)
        self.size = QComboBox()
        self.size.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.quality = self._combo(QUALITY_TIP, QUALITY_TEXTS.items())
        self.complexity = self._combo(COMPLEXITY_TIP, COMPLEXITY_TEXTS.items())
        self.moderation = self._combo(MODERATION_TIP, MODERATION_TEXTS.items())
        self.context = self._combo(CONTEXT_TIP, CONTEXT_TEXTS.items())
        self.variants = QSpinBox()
        self.variants.setToolTip("How many variants one Generate asks for (each is billed)")
        self.variants.setKeyboardTracking(False)
        self.background = self._combo(BACKGROUND_TIP, BACKGROUND_TEXTS.items())
        self.output_format = self._combo("The file format the service returns", FORMAT_TEXTS.items())
        self.compression = QSpinBox()
        self.compression.setRange(-1, 100)
        self.compression.setSpecialValueText("Default")
        self.compression.setSuffix(" %")
        self.compression.setKeyboardTracking(False)
        self.fidelity = self._combo(FIDELITY_TIP, FIDELITY_TEXTS.items())
        self.stream = QCheckBox("Show previews while it renders")
        self.stream.setToolTip("Streams partial images as the model works (same price)")
        self.partial_images = PreviewCount()
        self.partial_images.setRange(1, 3)
        self.partial_images.setToolTip("How many in-between previews to stream (1–3)")
        self.offline_note = QLabel(OFFLINE_NOTE)
        self.offline_note.setWordWrap(True)
        self.size_note = QLabel()  # what is wrong with a typed size, as it is typed
        self.size_note.setWordWrap(True)
        self.size_note.setStyleSheet(f"color: {theme.current().danger};")
        self.size_note.hide()
        self.adjusted_note = QLabel()  # what switching the model changed
        self.adjusted_note.setWordWrap(True)
        self.adjusted_note.hide()
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Provider, base URL and API key")
        self.settings_button.clicked.connect(self.settings_requested)
        self.defaults_button = QPushButton("Use Defaults")
        self.defaults_button.setToolTip("Set the options to the defaults chosen in Settings")
        self.defaults_button.clicked.connect(self.use_defaults)
        self.more = QToolButton()
        self.more.setObjectName("moreOptions")
        self.more.setCheckable(True)
        self.more.setAutoRaise(True)
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setArrowType(Qt.ArrowType.RightArrow)
        self.more.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.more.setToolTip("Context, background, format, fidelity, previews and the rest")
        self.more.toggled.connect(self._more_toggled)
        self._build_layout(show_key)
        compact_combos(self.provider, self.model, self.size, self.context, self.quality, self.complexity,
                       self.moderation, self.background, self.output_format, self.fidelity)
        wheel_only_when_focused(self.provider, self.model, self.size, self.context, self.quality,
                                self.complexity, self.moderation, self.variants, self.background,
                                self.output_format, self.compression, self.fidelity, self.partial_images)
        self._connect_edits()
        document.options_changed.connect(self.show_options)
        self.show_options(document.options())

    @staticmethod
    def _combo(tip: str, items) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tip)
        for value, text in items:
            combo.addItem(text, value)
        return combo

    def _build_layout(self, show_key: bool) -> None:
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setHorizontalSpacing(8)
        self.form.setVerticalSpacing(4)
        stream_row = QHBoxLayout()
        stream_row.setContentsMargins(0, 0, 0, 0)
        stream_row.addWidget(self.stream, 1)
        stream_row.addWidget(self.partial_images)
        self._stream_row = QWidget()
        self._stream_row.setLayout(stream_row)
        for caption, widget in (("&Provider", self.provider), ("&Model", self.model), ("Si&ze", self.size),
                                ("&Quality", self.quality), ("&Variants", self.variants)):
            self.form.addRow(caption, widget)
        self.form.insertRow(3, "", self.size_note)
        self.form.setRowVisible(self.size_note, False)
        self.form.addRow(self.offline_note)
        self.form.addRow(self.adjusted_note)
        self.form.addRow(self.more)
        # Behind the disclosure in the window: the options most edits leave alone.
        self._advanced = (self.context, self.complexity, self.background, self.output_format,
                          self.compression, self.fidelity, self.moderation, self._stream_row)
        for caption, widget in (("Con&text", self.context), ("Com&plexity", self.complexity),
                                ("&Background", self.background), ("&Format", self.output_format),
                                ("Co&mpression", self.compression), ("Input &fidelity", self.fidelity),
                                ("Mo&deration", self.moderation), ("Previews", self._stream_row)):
            self.form.addRow(caption, widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(self.form)
        if show_key:
            key_row = QHBoxLayout()
            key_row.setSpacing(8)
            self.key_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            key_row.addWidget(self.key_status, 1)
            key_row.addWidget(self.settings_button)
            key_row.addWidget(self.defaults_button)
            layout.addLayout(key_row)
        else:
            for widget in (self.key_status, self.settings_button, self.defaults_button):
                widget.hide()
        layout.addStretch(1)
        self.form.setRowVisible(self.more, self._disclosure)

    # --- the disclosure ---------------------------------------------------------------------------------

    def advanced_open(self) -> bool:
        return not self._disclosure or self.more.isChecked()

    def set_advanced_open(self, open_: bool) -> None:
        """Open or close "More options" (the window restores the user's last choice)."""
        self.more.setChecked(open_)

    def offers(self, widget: QWidget) -> bool:
        """Whether the selected model makes the option of this row apply (shown or behind the
        disclosure)."""
        return self._offered[widget] if widget in self._offered else self.form.isRowVisible(widget)

    def _more_toggled(self, open_: bool) -> None:
        self.more.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self._show_rows()
        self.advanced_toggled.emit(open_)

    def _offer_row(self, widget: QWidget, applies: bool) -> None:
        self._offered[widget] = applies

    def _show_rows(self) -> None:
        """Each row shown when its option applies, the advanced ones only while the disclosure is
        open; the disclosure itself only when something is behind it."""
        open_ = self.advanced_open()
        for widget, applies in self._offered.items():
            self.form.setRowVisible(widget, applies and (open_ or widget not in self._advanced))
        hidden = [widget for widget in self._advanced if self._offered.get(widget)]
        self.form.setRowVisible(self.more, self._disclosure and bool(hidden))
        self._summarise()

    def _summarise(self) -> None:
        """The disclosure's text: what behind it is not at its default, so nothing chosen is hidden."""
        options = self._document.options()
        said = []
        for widget, text in ((self.context, CONTEXT_TEXTS.get(options.context) if options.context != "auto"
                              else None),
                             (self.complexity, options.complexity and
                              f"{COMPLEXITY_TEXTS[options.complexity]} complexity"),
                             (self.background, options.background not in (None, "auto") and
                              BACKGROUND_TEXTS.get(options.background)),
                             (self.output_format, options.output_format not in (None, "png") and
                              FORMAT_TEXTS.get(options.output_format)),
                             (self.compression, options.output_compression is not None and
                              f"{options.output_compression} %"),
                             (self.fidelity, options.input_fidelity and
                              f"{FIDELITY_TEXTS[options.input_fidelity]} fidelity"),
                             (self.moderation, options.moderation and
                              f"{MODERATION_TEXTS[options.moderation]} moderation"),
                             (self._stream_row, options.stream and "Previews")):
            if text and self._offered.get(widget):
                said.append(text)
        summary = "More options" + (f" · {', '.join(said)}" if said and not self.more.isChecked() else "")
        self.more.setText(summary)

    def _connect_edits(self) -> None:
        self.provider.currentIndexChanged.connect(lambda _i: self._choose_model(
            self.provider.currentData(), None))
        self.model.currentTextChanged.connect(self._model_edited)
        self.size.activated.connect(lambda _i: self._size_edited(self.size.currentText()))
        for combo, name in ((self.quality, "quality"), (self.complexity, "complexity"),
                            (self.moderation, "moderation"),
                            (self.background, "background"),
                            (self.context, "context"),
                            (self.output_format, "output_format"), (self.fidelity, "input_fidelity")):
            combo.currentIndexChanged.connect(lambda _i, c=combo, n=name: self._edit(**{n: c.currentData()}))
        self.variants.valueChanged.connect(lambda n: self._edit(n=n))
        self.compression.valueChanged.connect(
            lambda v: self._edit(output_compression=None if v < 0 else v))
        self.stream.toggled.connect(lambda on: self._edit(
            stream=on, partial_images=self.partial_images.value() if on else None))
        self.partial_images.valueChanged.connect(lambda v: self._edit(partial_images=v))

    # --- for the window ---------------------------------------------------------------------------

    def set_settings(self, settings: UserSettings) -> None:
        """New settings (after the Settings dialog): base URLs, bodies, defaults and the key line."""
        self._settings = settings
        self.refresh_key_status()
        self._show_applicable(self._document.options(), capabilities(self._document.options().provider,
                                                                    self._document.options().model))

    def refresh_key_status(self) -> None:
        self.key_status.setText(self.key_status_text())

    def key_status_text(self) -> str:
        profile = PROFILES[self._document.options().provider]
        if not profile.needs_key:
            return "No key needed offline"
        if profile.name == "custom" and not self._settings.base_url_for("custom"):
            return "No base URL — open Settings"
        lookup = find_api_key(profile, self._env)
        self.key_status.setToolTip(lookup.problem or "")
        if lookup.source == "keychain":
            return "Key: in keychain"
        if lookup.found:
            return f"Key: from {lookup.source}"
        return "No key — open Settings"

    def remembered_choices(self) -> tuple[tuple[str, object], ...]:
        """Each provider's last options, for `UserSettings.provider_options`."""
        return choices_to_pairs(self._choices)

    def use_defaults(self) -> None:
        self._document.set_options(options_from_pairs(self._settings.default_options,
                                                      self._document.options()))

    # --- view → model ---------------------------------------------------------------------------------

    def _edit(self, **changes: object) -> None:
        self._document.update_options(**changes)

    def _model_edited(self, text: str) -> None:
        if self.provider.currentData() == "local":
            text = self.model.currentData() or text
        self._choose_model(self.provider.currentData(), text.strip())

    def _choose_model(self, provider: str, model: str | None) -> None:
        """A provider or model chosen by the user; the size falls back to Auto where the new
        model cannot take a custom one."""
        current = self._document.options()
        remembered = self._choices.get(provider) if provider != current.provider else None
        if model is None:
            profile = PROFILES[provider]
            if remembered is not None and remembered.model:
                model = remembered.model
            elif current.model in profile.models or (provider == "custom" and current.provider == "custom"):
                model = current.model
            else:
                model = profile.default_model or ""
        if remembered is not None:
            # Back to a provider used before: its own choices, not the last provider's.
            current = replace(remembered, provider=current.provider, model=current.model)
        caps = capabilities(provider, model)
        keeps = current.size in caps.sizes or (caps.typed_sizes and not caps.size_problem(current.size))
        size = current.size if keeps else "auto"
        chosen = replace(current, provider=provider, model=model)
        after = normalized(replace(chosen, size=size))
        said = adjustments(chosen, after) if not caps.offline and model != current.model else None
        self.adjusted_note.setText(said or "")
        self.adjusted_note.setVisible(bool(said))
        self._document.set_options(after)

    def _check_typed_size(self, text: str) -> None:
        """Say what is wrong with a typed size while it is typed (nothing until it looks like W×H)."""
        options = self._document.options()
        value = size_value(text)
        problem = None
        if value is not None and value not in SIZE_TEXTS:
            problem = capabilities(options.provider, options.model).size_problem(value)
        self.size_note.setText(f"{value}: {problem}." if problem else "")
        self.form.setRowVisible(self.size_note, bool(problem))

    def _size_edited(self, text: str) -> None:
        value = size_value(text)
        options = self._document.options()
        if value is None or capabilities(options.provider, options.model).size_problem(value):
            self._check_typed_size(text)  # the note says why it went back
            self.show_options(self._document.options())  # back to what it was
            return
        self.form.setRowVisible(self.size_note, False)
        self._edit(size=value)

    # --- model → view ---------------------------------------------------------------------------------

    def show_options(self, options: EditOptions) -> None:
        self._choices[options.provider] = options
        caps = capabilities(options.provider, options.model)
        widgets = (self.provider, self.model, self.size, self.context, self.quality, self.complexity,
                   self.moderation, self.variants,
                   self.background, self.output_format, self.compression, self.fidelity, self.stream,
                   self.partial_images)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self._show_values(options, caps)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._show_applicable(options, caps)
        if self._show_key and options.provider != self._shown_provider:
            self.refresh_key_status()
        self._shown_provider = options.provider

    def _show_values(self, options: EditOptions, caps: Capabilities) -> None:
        _select(self.provider, options.provider)
        self._fill_models(options)
        self._fill_sizes(options, caps)
        spec = caps.spec
        _offer(self.quality, QUALITY_TEXTS, spec.qualities if spec else STANDARD_QUALITIES)
        _select(self.quality, options.quality)
        _offer(self.complexity, COMPLEXITY_TEXTS, (None, *spec.complexities) if spec else (None,))
        _select(self.complexity, options.complexity)
        _select(self.moderation, options.moderation)
        _offer(self.output_format, FORMAT_TEXTS, spec.output_formats if spec else OUTPUT_FORMATS)
        _select(self.context, options.context)
        self.variants.setRange(1, caps.max_variants)
        self.variants.setValue(options.n)
        _select(self.background, options.background)
        _select(self.output_format, options.output_format)
        self.compression.setValue(-1 if options.output_compression is None else options.output_compression)
        _offer(self.fidelity, FIDELITY_TEXTS, (None, *spec.fidelities) if spec else (None,))
        _select(self.fidelity, options.input_fidelity)
        self.stream.setChecked(options.stream)
        if options.partial_images:
            self.partial_images.setValue(options.partial_images)

    def _fill_models(self, options: EditOptions) -> None:
        offline = options.provider == "local"
        if options.provider != self._shown_provider:
            self.model.setEditable(not offline)
            self.model.clear()
            for name in PROFILES[options.provider].models:
                self.model.addItem(METHOD_TEXTS.get(name, name) if offline else name, name)
        index = self.model.findData(options.model)
        if offline:
            self.model.setCurrentIndex(max(index, 0))
        elif self.model.currentText().strip() != options.model:
            # Only when it differs: rewriting the text under the user's typing would move the cursor.
            if index >= 0:
                self.model.setCurrentIndex(index)
            else:
                self.model.setEditText(options.model)
        self.model.setToolTip("How the offline backend fills the masked area" if offline else MODEL_TIP)
        if not offline:
            self.model.lineEdit().setPlaceholderText("Model id, e.g. gpt-image-1")

    def _fill_sizes(self, options: EditOptions, caps: Capabilities) -> None:
        if (caps.sizes, caps.typed_sizes) != self._shown_sizes:
            self._shown_sizes = (caps.sizes, caps.typed_sizes)
            self.size.setEditable(caps.typed_sizes)
            self.size.clear()
            for value in caps.sizes:
                self.size.addItem(SIZE_TEXTS.get(value, value), value)
        index = self.size.findData(options.size)
        if index >= 0:
            self.size.setCurrentIndex(index)
        elif caps.typed_sizes:
            self.size.setEditText(options.size)
        editor = self.size.lineEdit()
        if editor is not None and editor is not self._size_editor:
            self._size_editor = editor
            editor.editingFinished.connect(lambda: self._size_edited(self.size.currentText()))
            editor.textEdited.connect(self._check_typed_size)
        if caps.custom_sizes:
            self.size.setToolTip("Output size: choose one or type width × height, e.g. 2048x1152 (multiples "
                                 "of 16, long edge ≤ 3840, at most 3:1, 0.66–8.3 MP)")
        elif caps.typed_sizes:
            self.size.setToolTip("Output size: choose one, or type width × height if your server's model "
                                 "takes it")
        else:
            self.size.setToolTip("Output size; Auto lets the model choose from the photo's shape")

    def _show_applicable(self, options: EditOptions, caps: Capabilities) -> None:
        online = not caps.offline
        for widget in (self.size, self.context, self.quality, self.background, self.output_format,
                       self.compression):
            self._offer_row(widget, online)
        self._offer_row(self.variants, caps.max_variants > 1)
        spec = caps.spec
        self._offer_row(self.fidelity, online and caps.fidelity)
        self._offer_row(self.complexity, online and spec is not None and bool(spec.complexities))
        json_body = self._settings.body_for(options.provider) != "multipart"
        self._offer_row(self.moderation, online and spec is not None and bool(spec.moderations)
                        and json_body)
        if options.moderation is not None and not (online and json_body):
            # A multipart body cannot carry it: never leave a value the user cannot see in a job.
            QTimer.singleShot(0, lambda: self._edit(moderation=None))
        self._explain(spec)
        self._offer_row(self._stream_row, online and caps.streaming)
        self._show_rows()
        self.form.labelForField(self.model).setText("&Method" if caps.offline else "&Model")
        self.offline_note.setVisible(caps.offline)
        self.background.setEnabled(caps.transparency)
        formats = self.output_format.model()
        assert isinstance(formats, QStandardItemModel)  # QComboBox's own model
        jpeg = formats.item(self.output_format.findData("jpeg"))
        ruled_out = options.background == "transparent"
        jpeg.setEnabled(not ruled_out)
        jpeg.setToolTip(JPEG_RULED_OUT if ruled_out else "")
        self.output_format.setToolTip(JPEG_RULED_OUT if ruled_out else "The file format the service returns")
        compressible = options.output_format in ("jpeg", "webp")
        self.compression.setEnabled(compressible)
        self.compression.setToolTip(
            "0–100 %: lower is smaller and loses more detail" if compressible
            else "Compression applies to JPEG and WebP output only")
        self.partial_images.setEnabled(options.stream)


    def _explain(self, spec: ModelSpec | None) -> None:
        """Tooltips that say what a model is for, why a field is missing and what to expect."""
        if spec is None:  # offline: _fill_models says what the method does
            return
        note = spec.note
        self.quality.setToolTip(QUALITY_TIP + (" (Extra high and Maximum: gpt-image-2.5 and later)"
                                               if "max" in spec.qualities else ""))
        for widget, field, tip in ((self.fidelity, "input_fidelity", FIDELITY_TIP),
                                   (self.background, "background", BACKGROUND_TIP)):
            extra = note(field)
            widget.setToolTip(f"{tip} ({extra})" if extra else tip)
        lines = [f"{spec.name}: {spec.summary}" if spec.summary else MODEL_TIP]
        if not spec.fidelities and note("input_fidelity"):
            lines.append(f"Input fidelity: {note('input_fidelity')}.")
        lines += [text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
                  for text in (note("size"), note("output_format")) if text]
        self.model.setToolTip("\n".join(lines))


def _offer(combo: QComboBox, texts: dict, values: tuple) -> None:
    """Let `combo` offer exactly `values` (what the model takes), in that order."""
    if tuple(combo.itemData(index) for index in range(combo.count())) == values:
        return
    combo.clear()
    for value in values:
        combo.addItem(texts.get(value, str(value)), value)


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
