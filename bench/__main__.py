"""Run the benchmarks and print their tables: `python -m bench [USERS]`."""

from __future__ import annotations

import logging
import sys

from bench.telegram_load import table

if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the seeded test identities have no adapter: expected noise
    print(table(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
