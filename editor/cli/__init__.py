"""maskedit-cli: the edit engine without a window (`edit` one photo, `batch` a folder of them).
Imports no Qt, so it starts lean; every edit runs through editor.pipeline, as in the window.

`args` (the flags), `provider` (provider, key and options from the flags), `commands` (running
`edit`, `batch` and `providers`), `progress` (what a batch prints as it goes).
"""

from editor.cli.commands import EXIT_INTERRUPTED, EXIT_OK, EXIT_SERVICE, EXIT_USAGE, main

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SERVICE", "EXIT_USAGE", "main"]
