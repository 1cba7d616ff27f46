"""The window fixtures (the qasync loop, captured error and save dialogs, the fake's address) for the suite."""

from tests.ui.conftest import errors, loop, save_questions, service_env  # noqa: F401
