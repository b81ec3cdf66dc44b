"""The ``regen`` command line, runnable from a checkout: ``python cli.py predict --nerve SLGN``.

A thin entry point: the Typer app lives in :mod:`regen.cli` (installed as the
``regen`` command and ``python -m regen``).
"""

from regen.cli import main

if __name__ == "__main__":
    main()
