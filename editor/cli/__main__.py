"""`python -m editor.cli`: maskedit-cli."""

import sys

from editor.cli import main

sys.exit(main())
