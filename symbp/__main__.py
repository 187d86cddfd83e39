"""`python -m symbp` runs the command line."""

from symbp.cli import main

raise SystemExit(main())
