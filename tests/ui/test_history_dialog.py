"""The project's history browser: pure filters, then the dialog driven offscreen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage

from editor.ui.dialogs.history import (
    EMPTY_TEXT,
    FILTERED_TEXT,
    TOKENS,
    HistoryDialog,
    HistoryEntry,
    format_when,
    job_tokens,
    matches,
    read_thumbnail,
    since_for,
    tokens_total,
)

NOW = datetime(2026, 11, 24, 14, 5).timestamp()
HOUR = 3600.0
DAY = 86400.0


def entry(job: int, index: int = 0, prompt: str = "a red door", *, age: float = 0.0,
          **kwargs) -> HistoryEntry:
    fields = {"model": "gpt-image-1", "created_at": NOW - age, "tokens": 5360, **kwargs}
    return HistoryEntry(key=(f"job{job}", index), job_number=job, variant_index=index, prompt=prompt,
                        **fields)


def entries() -> list[HistoryEntry]:
    """Every variant carries its job's tokens, as the window fills them in (job 2 has no count)."""
    return [
        entry(1, 0, "Replace the sky with a sunset", age=40 * DAY),
        entry(1, 1, "Replace the sky with a sunset", age=40 * DAY, discarded=True),
        entry(2, 0, "Paint the door RED", age=3 * DAY, starred=True, tokens=None),
        entry(3, 0, "remove the red car", age=60.0, tokens=2100),
        entry(3, 1, "remove the red car", age=60.0, starred=True, tokens=2100),
    ]


def token_column(dialog: HistoryDialog) -> list[str]:
    """The tokens column of the visible rows, top to bottom."""
    return [dialog.table.item(row, TOKENS).text() for row in range(dialog.table.rowCount())
            if not dialog.table.isRowHidden(row)]


@pytest.fixture
def dialog(qtbot) -> HistoryDialog:
    dialog = HistoryDialog(entries(), clock=lambda: NOW)
    qtbot.addWidget(dialog)
    return dialog


# --- pure helpers ---------------------------------------------------------------------------------


def test_matches_needs_every_word_case_insensitively() -> None:
    door = HistoryEntry("k", 1, 0, "Paint the Door red", "m", NOW)
    assert matches(door, "", False, False, None)
    assert matches(door, "door  RED", False, False, None)
    assert not matches(door, "door blue", False, False, None)


def test_matches_starred_discarded_and_since() -> None:
    plain = HistoryEntry("k", 1, 0, "p", "m", NOW - 2 * DAY)
    assert not matches(plain, "", True, False, None)
    assert matches(HistoryEntry("k", 1, 0, "p", "m", NOW, starred=True), "", True, False, None)
    discarded = HistoryEntry("k", 1, 0, "p", "m", NOW, discarded=True)
    assert not matches(discarded, "", False, False, None)
    assert matches(discarded, "", False, True, None)
    assert not matches(plain, "", False, False, NOW - DAY)
    assert matches(plain, "", False, False, NOW - 3 * DAY)


def test_since_for_at_a_fixed_now() -> None:
    assert since_for("Any time", NOW) is None
    assert since_for("Today", NOW) == datetime(2026, 11, 24).timestamp()
    assert since_for("Last 7 days", NOW) == NOW - 7 * DAY
    assert since_for("Last 30 days", NOW) == NOW - 30 * DAY
    with pytest.raises(ValueError):
        since_for("Yesterday", NOW)


def test_format_when() -> None:
    assert format_when(NOW, NOW + HOUR) == "Today 14:05"
    assert format_when(NOW, NOW + 2 * DAY) == "24 Nov 14:05"
    assert format_when(NOW, NOW + 400 * DAY) == "24 Nov 2026 14:05"


# --- the dialog ---------------------------------------------------------------------------------


def test_lists_newest_first_and_hides_discarded_by_default(dialog: HistoryDialog) -> None:
    assert dialog.count_label.text() == "4 of 5 variants"
    assert [dialog.entry_at(row).key for row in range(3)] == [("job3", 0), ("job3", 1), ("job2", 0)]
    assert dialog.table.item(0, 1).text() == "#3 · variant 1"
    assert dialog.table.item(1, 1).text() == "#3 · variant 2 ★"
    assert dialog.table.item(0, 3).text().startswith("Today ")
    assert dialog.table.item(0, 4).text() == "gpt-image-1"

    dialog.show_discarded.setChecked(True)
    assert dialog.count_label.text() == "5 of 5 variants"


def test_filter_text_narrows_the_visible_count(dialog: HistoryDialog, qtbot) -> None:
    qtbot.keyClicks(dialog.filter_edit, "red")
    assert dialog.visible_count() == 3
    dialog.filter_edit.setText("RED car")
    assert dialog.visible_count() == 2
    assert dialog.count_label.text() == "2 of 5 variants"


def test_starred_only(dialog: HistoryDialog) -> None:
    dialog.starred_only.setChecked(True)
    assert dialog.visible_count() == 2
    assert dialog.selected_entry() is None


def test_date_filter(dialog: HistoryDialog) -> None:
    dialog.date_filter.setCurrentText("Today")
    assert dialog.visible_count() == 2
    dialog.date_filter.setCurrentText("Last 7 days")
    assert dialog.visible_count() == 3
    dialog.date_filter.setCurrentText("Any time")
    assert dialog.visible_count() == 4


def test_empty_states(qtbot, dialog: HistoryDialog) -> None:
    empty = HistoryDialog([])
    qtbot.addWidget(empty)
    assert empty.stack.currentWidget() is empty.empty_label
    assert empty.empty_label.text() == EMPTY_TEXT
    assert empty.count_label.text() == "0 of 0 variants"

    dialog.filter_edit.setText("nothing like this")
    assert dialog.stack.currentWidget() is dialog.empty_label
    assert dialog.empty_label.text() == FILTERED_TEXT
    dialog.filter_edit.clear()
    assert dialog.stack.currentWidget() is dialog.table


def test_buttons_disabled_without_a_selection(dialog: HistoryDialog) -> None:
    buttons = (dialog.show_button, dialog.reuse_button, dialog.reveal_button)
    assert not any(button.isEnabled() for button in buttons)
    dialog.table.selectRow(2)
    assert dialog.show_button.isEnabled() and dialog.reuse_button.isEnabled()
    assert not dialog.reveal_button.isEnabled()  # this entry has no file to reveal
    dialog.filter_edit.setText("sunset")  # hides the selected row
    assert not any(button.isEnabled() for button in buttons)


def test_double_click_emits_chosen_with_the_key(dialog: HistoryDialog, qtbot) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    rect = dialog.table.visualRect(dialog.table.model().index(2, 1))
    viewport = dialog.table.viewport()
    with qtbot.waitSignal(dialog.chosen) as chosen:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [("job2", 0)]


def test_buttons_emit_the_selected_key(tmp_path: Path, qtbot) -> None:
    dialog = HistoryDialog([entry(7, 2, path=tmp_path / "missing.png")])
    qtbot.addWidget(dialog)
    dialog.table.selectRow(0)
    for button, signal in ((dialog.show_button, dialog.chosen), (dialog.reuse_button, dialog.reuse_requested),
                           (dialog.reveal_button, dialog.reveal_requested)):
        with qtbot.waitSignal(signal) as caught:
            button.click()
        assert caught.args == [("job7", 2)]


def test_set_entries_keeps_filters_and_selection(dialog: HistoryDialog) -> None:
    dialog.filter_edit.setText("red")
    dialog.table.selectRow(2)
    dialog.set_entries([*entries(), entry(4, 0, "a red bicycle")])
    assert dialog.filter_edit.text() == "red"
    assert dialog.count_label.text() == "4 of 6 variants"
    assert dialog.selected_entry().key == ("job2", 0)


def _write_png(path: Path) -> Path:
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor(20, 120, 200))
    assert image.save(str(path))
    return path


def test_thumbnails_load_synchronously_without_a_loop(tmp_path: Path, qtbot) -> None:
    photo = _write_png(tmp_path / "v.png")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    gone = tmp_path / "gone.png"
    dialog = HistoryDialog([entry(1, path=photo), entry(2, path=gone), entry(3, path=broken)])
    qtbot.addWidget(dialog)
    assert not dialog.table.item(2, 0).icon().isNull()  # every row shows at least the placeholder
    assert read_thumbnail(photo).size().width() == 96
    assert read_thumbnail(tmp_path / "gone.png") is None
    assert read_thumbnail(broken) is None
    assert read_thumbnail(None) is None


def test_thumbnails_load_in_a_worker_with_a_loop(tmp_path: Path, qtbot, loop) -> None:
    photo = _write_png(tmp_path / "v.png")
    dialog = HistoryDialog([entry(1, path=photo), entry(2, path=tmp_path / "gone.png")], loop=loop)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.thumbnails_loading(), timeout=5000)
    assert dialog._thumbnails[photo] is not None
    assert dialog._thumbnails[tmp_path / "gone.png"] is None
    dialog.shutdown()


# --- tokens ---------------------------------------------------------------------------------------


def test_job_tokens_and_the_total_count_each_job_once() -> None:
    figures = job_tokens(entries())
    assert figures == {1: 5360, 2: None, 3: 2100}
    assert tokens_total([3, 2, 1], figures) == "Total: 7,460 tokens for 2 jobs (1 without a count)"
    assert tokens_total([3], figures) == "Total: 2,100 tokens for 1 job"
    assert tokens_total([2], figures) == ""
    assert tokens_total([], figures) == ""


def test_each_jobs_tokens_are_shown_once_with_one_total(dialog: HistoryDialog) -> None:
    # Rows: job 3 variant 1, job 3 variant 2, job 2, job 1 (its discarded variant hidden).
    assert token_column(dialog) == ["2,100", "", "—", "5,360"]
    assert dialog.tokens_label.text() == "Total: 7,460 tokens for 2 jobs (1 without a count)"
    labels = dialog.findChildren(type(dialog.tokens_label))
    shown = [label.text() for label in labels if "tokens" in label.text()]
    assert shown == [dialog.tokens_label.text()]  # the total appears once in the whole dialog

    dialog.show_discarded.setChecked(True)  # job 1's second variant: the same job, no second figure
    assert token_column(dialog) == ["2,100", "", "—", "5,360", ""]
    assert dialog.tokens_label.text() == "Total: 7,460 tokens for 2 jobs (1 without a count)"


def test_the_figure_moves_to_a_jobs_first_visible_row_and_the_total_follows_the_filters(
        dialog: HistoryDialog) -> None:
    dialog.starred_only.setChecked(True)  # job 3 variant 1 hides; variant 2 now carries the figure
    assert token_column(dialog) == ["2,100", "—"]
    assert dialog.tokens_label.text() == "Total: 2,100 tokens for 1 job (1 without a count)"
    dialog.filter_edit.setText("door")
    assert token_column(dialog) == ["—"] and dialog.tokens_label.text() == ""


def test_token_figures_use_tabular_digits(dialog: HistoryDialog) -> None:
    tnum = QFont.Tag("tnum")
    assert dialog.table.item(0, TOKENS).font().featureValue(tnum) == 1
    assert dialog.tokens_label.font().featureValue(tnum) == 1
