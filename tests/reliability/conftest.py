"""The window fixtures (the qasync loop, captured error and save dialogs, the fake's address)."""

from tests.ui.conftest import errors, loop, save_questions, service_env  # noqa: F401
