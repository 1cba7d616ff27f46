"""The bundle's `maskedit` executable: the window (PyInstaller starts here)."""

import sys

from editor.app import main

sys.exit(main())
