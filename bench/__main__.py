"""Run the benchmarks and print their tables: `python -m bench [USERS]` (repair conversations
vs an echo bot), `python -m bench digest [TICKETS]` (digest build time) or
`python -m bench roster [ROWS …]` (people roster import time) or
`python -m bench places [N …]` (place resolution per message at N places)."""

from __future__ import annotations

import logging
import sys

from bench.telegram_load import table

if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the seeded test identities have no adapter: expected noise
    if len(sys.argv) > 1 and sys.argv[1] == "places":
        from bench.places_bench import SIZES
        from bench.places_bench import table as places_table

        print(places_table(tuple(int(a) for a in sys.argv[2:]) or SIZES))
    elif len(sys.argv) > 1 and sys.argv[1] == "digest":
        from bench.digest_bench import table as digest_table

        print(digest_table(int(sys.argv[2]) if len(sys.argv) > 2 else 200_000))
    elif len(sys.argv) > 1 and sys.argv[1] == "roster":
        from bench.roster_import import SIZES
        from bench.roster_import import table as roster_table

        print(roster_table([int(a) for a in sys.argv[2:]] or list(SIZES)))
    else:
        print(table(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
