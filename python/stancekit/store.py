"""`python -m stancekit.store [accurate]`: fetch a model base into the store and verify it."""

from __future__ import annotations

import sys

from stancekit._store import main

if __name__ == "__main__":
    sys.exit(main())
