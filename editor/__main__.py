"""`python -m editor [photo]`: start the Maskedit window."""

from editor.app import main

raise SystemExit(main())
