"""The log file is opened after the window's first paint; what was logged before reaches it."""

from __future__ import annotations

import logging

import pytest

from editor import app as app_module
from editor.secrets import remember


@pytest.fixture
def bare_root(tmp_path, monkeypatch):
    """The root logger as a fresh process has it, the data folder in tmp_path. Its handlers are
    taken off when the test calls it: pytest adds its own for the test's body."""
    root = logging.getLogger()
    saved_level = root.level
    saved: list[logging.Handler] = []
    monkeypatch.setattr(app_module, "data_dir", lambda: tmp_path)

    def clear() -> logging.Logger:
        saved.extend(root.handlers)
        root.handlers.clear()
        return root

    yield clear
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = saved
    root.setLevel(saved_level)


def test_records_before_the_first_paint_reach_the_file_in_order(bare_root, tmp_path):
    root = bare_root()
    path = app_module.configure_logging()
    assert path == tmp_path / app_module.LOG_FILE
    logging.getLogger("editor.test").info("held until the file opens")
    assert not path.exists()  # nothing opened a file before the first paint
    assert app_module.attach_log_file() == path
    logging.getLogger("editor.test").info("written at once")
    for handler in root.handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == ["held until the file opens", "written at once"]
    assert app_module.attach_log_file() is None  # once only: the records are not written twice


def test_a_key_logged_before_the_file_opened_is_blanked_in_it(bare_root):
    root = bare_root()
    key = "sk-test-" + "a1B2c3D4e5F6g7H8" * 2
    remember(key)
    path = app_module.configure_logging()
    logging.getLogger("editor.test").warning("sent with %s", key)
    app_module.attach_log_file()
    for handler in root.handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "sent with" in text and key not in text


def test_records_wait_only_up_to_their_bound(bare_root):
    root = bare_root()
    app_module.configure_logging()
    held = next(h for h in root.handlers if isinstance(h, app_module._EarlyRecords))
    for index in range(held.LIMIT + 50):
        logging.getLogger("editor.test").info("record %d", index)
    assert len(held.records) == held.LIMIT


def test_a_folder_that_cannot_be_written_leaves_no_file_and_says_so(bare_root, tmp_path, monkeypatch, capsys):
    bare_root()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setattr(app_module, "data_dir", lambda: blocked / "data")
    app_module.configure_logging()
    assert app_module.attach_log_file() is None
    assert "no log file" in capsys.readouterr().err
