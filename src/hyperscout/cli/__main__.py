"""``python -m hyperscout.cli``: the same as the ``hyperscout`` command."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
