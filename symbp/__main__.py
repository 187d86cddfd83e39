"""`python -m symbp` runs the command line."""

from symbp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
