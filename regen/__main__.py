"""``python -m regen``: the same as the ``regen`` command."""

from regen.cli import main

if __name__ == "__main__":
    main()
