"""Canvas preferences: mask overlay, soft-edge threshold, fill tolerance, pen pressure, limits.

`CanvasPreferences` is the page; `PreferencesDialog` shows it alone, the Settings dialog as a tab.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.settings.store import UserSettings
from editor.ui.panels import quiet_label
from editor.ui.theme import PREFERENCES

PRESSURE_MODES: tuple[tuple[str, str], ...] = (
    ("off", "Ignored"),
    ("size", "Brush size"),
    ("opacity", "Brush opacity"),
    ("both", "Size and opacity"),
)


def choose_colour(parent: QWidget | None, current: QColor) -> QColor | None:
    """The system colour picker; None if cancelled. A function so tests can replace it."""
    colour = QColorDialog.getColor(current, parent, "Mask Overlay Colour")
    return colour if colour.isValid() else None


def _spin(minimum: int, maximum: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSuffix(suffix)
    return spin


def _note(text: str) -> QLabel:
    label = quiet_label(text)
    label.setWordWrap(True)
    return label


class CanvasPreferences(QWidget):
    """The canvas settings as a page: mask overlay, painting, memory and limits. Shown on its own
    by PreferencesDialog and as the Canvas tab of the Settings dialog."""

    FIELDS = ("theme", "overlay_color", "overlay_opacity", "overlay_hatch", "mask_threshold",
              "fill_tolerance", "pressure_mode", "undo_cap_mb", "max_megapixels")

    def __init__(self, settings: UserSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.theme = QComboBox()
        for key, text in PREFERENCES:
            self.theme.addItem(text, key)
        self.theme.setToolTip("Dark keeps the photo the brightest thing on screen")
        self._colour = QColor(settings.overlay_color)
        self.colour_button = QPushButton()
        self.colour_button.setToolTip("The colour the mask is shown in over the photo")
        self.colour_button.clicked.connect(self._pick_colour)
        self.opacity = _spin(5, 100, " %")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setToolTip("How strongly the mask overlay covers the photo")
        self.opacity.valueChanged.connect(self.opacity_slider.setValue)
        self.opacity_slider.valueChanged.connect(self.opacity.setValue)
        self.hatch = QCheckBox("Hatch the masked area (easier to see on busy photos)")
        self.threshold = _spin(1, 255)
        self.fill_tolerance = _spin(0, 255)
        self.pressure = QComboBox()
        for key, text in PRESSURE_MODES:
            self.pressure.addItem(text, key)
        self.undo_cap = _spin(64, 65536, " MB")
        self.undo_cap.setSingleStep(64)
        self.undo_cap.setToolTip("Undo keeps changed tiles up to this much memory; older steps are dropped")
        self.max_megapixels = _spin(1, 2000, " MP")
        self.show_settings(settings)
        layout = QVBoxLayout(self)
        appearance = QFormLayout()
        appearance.addRow("Theme", self.theme)
        layout.addLayout(appearance)
        layout.addWidget(self._overlay_group())
        layout.addWidget(self._mask_group())
        layout.addWidget(self._limits_group())
        layout.addStretch(1)

    def _overlay_group(self) -> QGroupBox:
        group = QGroupBox("Mask overlay")
        form = QFormLayout(group)
        form.addRow("Colour", self.colour_button)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(self.opacity_slider, 1)
        opacity_row.addWidget(self.opacity)
        form.addRow("Opacity", opacity_row)
        form.addRow("", self.hatch)
        return group

    def _mask_group(self) -> QGroupBox:
        group = QGroupBox("Painting")
        form = QFormLayout(group)
        form.addRow("Pen pressure controls", self.pressure)
        form.addRow("Fill tolerance", self.fill_tolerance)
        form.addRow("Soft-edge threshold", self.threshold)
        form.addRow("", _note("Soft brush edges at or above this coverage (1–255) count as "
                              "“edit” in the mask sent to the API."))
        return group

    def _limits_group(self) -> QGroupBox:
        group = QGroupBox("Memory and limits")
        form = QFormLayout(group)
        form.addRow("Undo history memory", self.undo_cap)
        form.addRow("Largest photo to open", self.max_megapixels)
        return group

    def show_settings(self, settings: UserSettings) -> None:
        self.theme.setCurrentIndex(max(self.theme.findData(settings.theme), 0))
        self._set_colour(QColor(settings.overlay_color))
        self.opacity.setValue(round(settings.overlay_opacity * 100))
        self.hatch.setChecked(settings.overlay_hatch)
        self.threshold.setValue(settings.mask_threshold)
        self.fill_tolerance.setValue(settings.fill_tolerance)
        index = self.pressure.findData(settings.pressure_mode)
        self.pressure.setCurrentIndex(max(index, 0))
        self.undo_cap.setValue(settings.undo_cap_mb)
        self.max_megapixels.setValue(settings.max_megapixels)

    def applied_to(self, settings: UserSettings) -> UserSettings:
        """`settings` with this page's fields replaced (others are kept as they were)."""
        return replace(
            settings,
            theme=self.theme.currentData(),
            overlay_color=self._colour.name(QColor.NameFormat.HexRgb),
            overlay_opacity=self.opacity.value() / 100,
            overlay_hatch=self.hatch.isChecked(),
            mask_threshold=self.threshold.value(),
            fill_tolerance=self.fill_tolerance.value(),
            pressure_mode=self.pressure.currentData(),
            undo_cap_mb=self.undo_cap.value(),
            max_megapixels=self.max_megapixels.value(),
        )

    def restore_defaults(self, settings: UserSettings) -> None:
        defaults = UserSettings()
        self.show_settings(replace(settings, **{name: getattr(defaults, name) for name in self.FIELDS}))

    def _pick_colour(self) -> None:
        colour = choose_colour(self, self._colour)
        if colour is not None:
            self._set_colour(colour)

    def _set_colour(self, colour: QColor) -> None:
        self._colour = colour
        swatch = QPixmap(28, 14)
        swatch.fill(colour)
        self.colour_button.setIcon(QIcon(swatch))
        self.colour_button.setText(f"  {colour.name(QColor.NameFormat.HexRgb).upper()}")


class PreferencesDialog(QDialog):
    """Edits a copy of UserSettings; `settings()` returns the edited copy after Accept."""

    def __init__(self, settings: UserSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._original = settings
        self.page = CanvasPreferences(settings)
        for name in ("colour_button", "opacity", "opacity_slider", "hatch", "threshold", "fill_tolerance",
                     "pressure", "undo_cap", "max_megapixels"):
            setattr(self, name, getattr(self.page, name))
        layout = QVBoxLayout(self)
        layout.addWidget(self.page)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(lambda: self.page.restore_defaults(self._original))
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def show_settings(self, settings: UserSettings) -> None:
        self.page.show_settings(settings)

    def settings(self) -> UserSettings:
        """The original settings with this dialog's fields replaced (others are kept as they were)."""
        return self.page.applied_to(self._original)
