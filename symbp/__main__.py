"""`python -m symbp` runs the command line."""

from symbp.cli import run

if __name__ == "__main__":
    run()
