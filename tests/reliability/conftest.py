"""The window fixtures (the qasync loop, captured error dialogs, the fake's address) for the suite."""

from tests.ui.conftest import errors, loop, service_env  # noqa: F401
