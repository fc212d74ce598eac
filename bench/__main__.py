"""Run the benchmarks and print their tables: `python -m bench [USERS]` (repair conversations
vs an echo bot) or `python -m bench digest [TICKETS]` (digest build time)."""

from __future__ import annotations

import logging
import sys

from bench.telegram_load import table

if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the seeded test identities have no adapter: expected noise
    if len(sys.argv) > 1 and sys.argv[1] == "digest":
        from bench.digest_bench import table as digest_table

        print(digest_table(int(sys.argv[2]) if len(sys.argv) > 2 else 200_000))
    else:
        print(table(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
