"""``python -m gdinverse``: the gdinverse command line (see :mod:`gdinverse.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
