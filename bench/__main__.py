"""Run the benchmarks and print their tables: `python -m bench [USERS]` (repair conversations
vs an echo bot), `python -m bench digest [TICKETS]` (digest build time) or `python -m bench
search [SIZES]` (stock and people search at 1 000, 10 000, 50 000 rows)."""

from __future__ import annotations

import logging
import sys

from bench.telegram_load import table

if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the seeded test identities have no adapter: expected noise
    if len(sys.argv) > 1 and sys.argv[1] == "digest":
        from bench.digest_bench import table as digest_table

        print(digest_table(int(sys.argv[2]) if len(sys.argv) > 2 else 200_000))
    elif len(sys.argv) > 1 and sys.argv[1] == "search":
        from bench.search_bench import SIZES
        from bench.search_bench import table as search_table

        sizes = tuple(int(s) for s in sys.argv[2].split(",")) if len(sys.argv) > 2 else SIZES
        print(search_table(sizes))
    else:
        print(table(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
