"""The bundle's `maskedit-cli` executable: headless edits, no Qt (PyInstaller starts here)."""

import sys

from editor.cli import main

sys.exit(main())
