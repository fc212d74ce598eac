"""Run the benchmarks and print their tables: `python -m bench [USERS]` (repair conversations
vs an echo bot), `python -m bench digest [TICKETS] [--people P] [--years Y] [--pg DSN]` (digest
build time on SQLite, or on the PostgreSQL server at DSN),
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
        import argparse

        from bench.digest_bench import table as digest_table

        parser = argparse.ArgumentParser(prog="python -m bench digest")
        parser.add_argument("tickets", type=int, nargs="?", default=200_000)
        parser.add_argument("--people", type=int, default=None,
                            help="reporters on the roster (default: tickets / 20, at most 3000)")
        parser.add_argument("--pg", metavar="DSN", default=None,
                            help="a PostgreSQL server, e.g. postgres://user:pw@127.0.0.1:5432")
        parser.add_argument("--years", type=int, default=1,
                            help="spread the tickets over this many years of history")
        parser.add_argument("--repeats", type=int, default=5)
        parser.add_argument("--keep", action="store_true",
                            help="keep the PostgreSQL database afterwards (to study plans)")
        args = parser.parse_args(sys.argv[2:])
        print(digest_table(args.tickets, args.repeats, pg=args.pg, people=args.people,
                           keep=args.keep, years=args.years))
    elif len(sys.argv) > 1 and sys.argv[1] == "roster":
        from bench.roster_import import SIZES
        from bench.roster_import import table as roster_table

        print(roster_table([int(a) for a in sys.argv[2:]] or list(SIZES)))
    else:
        print(table(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
