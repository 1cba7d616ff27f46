"""CompareBar: the compact bar above the compare view: mode, which variants, and Done."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

# (mode, button text, tooltip); the modes are CompareView's.
MODE_BUTTONS = (
    ("split", "Split", "The original left of a divider, the variant right of it: drag its handle "
     "(or press Shift+←/→) to move it"),
    ("side_by_side", "Side by side", "The original and the variant in two panes that zoom and pan together"),
    ("difference", "Difference", "Where the variant differs from the original: brighter, more"),
    ("ab", "A/B", "Variant A in place; T toggles to variant B and back"),
)
_KEYS_HINT = "←/→ step through variants, Esc closes"


class CompareBar(QWidget):
    """Chooses the compare mode and the variants compared, and closes the comparison.

    A view: it reports the user's choices through its signals and is updated by the window with
    `show_mode` and `set_variants`, which block its signals so updates never echo back.
    """

    mode_chosen = Signal(str)
    a_chosen = Signal(object)  # the opaque key given to set_variants
    b_chosen = Signal(object)
    done = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(0)
        self._modes = QButtonGroup(self)
        self._modes.setExclusive(True)
        self._buttons: dict[str, QToolButton] = {}
        for mode, text, tip in MODE_BUTTONS:
            button = QToolButton(self)
            button.setText(text)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setToolTip(f"{tip}. {_KEYS_HINT}.")
            button.setObjectName(f"compare-mode-{mode}")
            self._modes.addButton(button)
            self._buttons[mode] = button
            layout.addWidget(button)
            # A lambda per button: the mode travels with the click, no lookup by button needed.
            button.clicked.connect(lambda _checked=False, chosen=mode: self._mode_clicked(chosen))
        self._buttons["split"].setChecked(True)
        layout.addSpacing(12)
        self.a_combo = self._variant_combo(layout, "A:", f"The variant compared. {_KEYS_HINT}", self.a_chosen)
        layout.addSpacing(8)
        self.b_combo = self._variant_combo(layout, "B:", "In A/B mode, T toggles to it", self.b_chosen)
        self.b_combo.setEnabled(False)
        layout.addStretch(1)
        self.done_button = QPushButton("Done", self)
        self.done_button.setToolTip("Close the comparison (Esc)")
        self.done_button.clicked.connect(self.done)
        layout.addWidget(self.done_button)

    def _variant_combo(self, layout: QHBoxLayout, caption: str, tip: str, chosen) -> QComboBox:
        label = QLabel(caption, self)
        combo = QComboBox(self)
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label.setBuddy(combo)
        layout.addWidget(label)
        layout.addSpacing(4)
        layout.addWidget(combo)
        # An emptied combo reports index -1: nothing was chosen.
        combo.currentIndexChanged.connect(lambda index: index < 0 or chosen.emit(combo.itemData(index)))
        return combo

    def _mode_clicked(self, mode: str) -> None:
        self.b_combo.setEnabled(mode == "ab")
        self.mode_chosen.emit(mode)

    def mode(self) -> str:
        return next(mode for mode, button in self._buttons.items() if button.isChecked())

    def show_mode(self, mode: str) -> None:
        """Check the mode's button without emitting mode_chosen."""
        button = self._buttons[mode]
        blocked = self._modes.blockSignals(True), button.blockSignals(True)
        button.setChecked(True)
        self._modes.blockSignals(blocked[0])
        button.blockSignals(blocked[1])
        self.b_combo.setEnabled(mode == "ab")

    def set_variants(self, items: list[tuple[str, object]], a_key: object, b_key: object) -> None:
        """Fill both combos with (label, key) items and select a_key and b_key, without signals."""
        for combo, key in ((self.a_combo, a_key), (self.b_combo, b_key)):
            blocked = combo.blockSignals(True)
            combo.clear()
            for label, item_key in items:
                combo.addItem(label, item_key)
            combo.setCurrentIndex(next((i for i, (_, k) in enumerate(items) if k == key), -1))
            combo.blockSignals(blocked)
