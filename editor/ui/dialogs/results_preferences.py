"""The Results page of Settings: how variants are laid over the photo, what Apply does with the
mask, the optional token budget, and how much surrounds the mask when only its area is sent."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.settings.store import UserSettings
from editor.ui.panels import quiet_label

COMPOSITE_MODES = (("strict", "Only inside the mask (every other pixel stays the original)"),
                   ("whole", "The whole result, as the model returned it"))
APPLY_MASK = ((False, "Keep it, to refine the same area"), (True, "Clear it, to paint the next area"))


def _note(text: str) -> QLabel:
    label = quiet_label(text)
    label.setWordWrap(True)
    return label


class ResultsPreferences(QWidget):
    """Compositing mode, feather and seam matching, the mask after Apply, and the token budget."""

    def __init__(self, settings: UserSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.mode = QComboBox()
        for key, label in COMPOSITE_MODES:
            self.mode.addItem(label, key)
        self.mode.setCurrentIndex(max(self.mode.findData(settings.composite_mode), 0))
        self.feather = QDoubleSpinBox()
        self.feather.setRange(0.0, 64.0)
        self.feather.setSingleStep(0.5)
        self.feather.setDecimals(1)
        self.feather.setSuffix(" px")
        self.feather.setValue(settings.composite_feather_px)
        self.feather.setToolTip("How softly a variant blends into the photo at the mask's edge")
        self.harmonize = QCheckBox("Match colour and tone at the mask's edge")
        self.harmonize.setChecked(settings.composite_harmonize)
        self.harmonize.setToolTip("Corrects a model's colour or brightness drift along the edge, fading "
                                  "toward the inside; detail is kept and nothing outside the mask "
                                  "changes. Off pastes the variant exactly.")
        self.after_apply = QComboBox()
        for clear, label in APPLY_MASK:
            self.after_apply.addItem(label, clear)
        self.after_apply.setCurrentIndex(1 if settings.clear_mask_on_apply else 0)
        self.budget = QSpinBox()
        self.budget.setRange(0, 100_000_000)
        self.budget.setSingleStep(1000)
        self.budget.setGroupSeparatorShown(True)
        self.budget.setSpecialValueText("No budget")
        self.budget.setSuffix(" tokens")
        self.budget.setValue(settings.token_budget)
        self.padding = QSpinBox()
        self.padding.setRange(0, 200)
        self.padding.setSuffix(" % of the mask's size")
        self.padding.setValue(round(settings.context_padding * 100))
        self.padding.setToolTip("When only the area around the mask is sent (Context in the Edit options), "
                                "how much of its surroundings goes with it, on each side (at least 64 px)")
        form = QFormLayout()
        form.addRow("Show &variants", self.mode)
        form.addRow("&Feather the edge", self.feather)
        form.addRow("", self.harmonize)
        form.addRow("After &Apply, the mask", self.after_apply)
        form.addRow("Token &budget per project", self.budget)
        form.addRow("Context &around the mask", self.padding)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_note("Strict mode is what the API's mask promises: the model may repaint more, "
                               "but only what you painted changes. Each variant says how much the model "
                               "changed outside the mask."))
        layout.addWidget(_note("With a budget, Maskedit asks before a job that would take the project past "
                               "it (estimated from the project's earlier jobs)."))
        layout.addStretch(1)

    def applied_to(self, settings: UserSettings) -> UserSettings:
        return replace(settings, composite_mode=self.mode.currentData(),
                       composite_feather_px=float(self.feather.value()),
                       composite_harmonize=self.harmonize.isChecked(),
                       clear_mask_on_apply=bool(self.after_apply.currentData()),
                       token_budget=int(self.budget.value()),
                       context_padding=self.padding.value() / 100)
