"""Run the benchmarks and print their tables:

- `python -m bench [USERS] [--profile] [--no-paced] [--rounds R]`: repair conversations vs an
  echo bot (updates/s, latency, CPU per update, medians of R paired rounds; `--profile`: where
  Houqin's CPU goes);
- `python -m bench broadcast [N] [--chatters K]`: an emergency broadcast at Telegram's limits
  while K recipients chat with the bot;
- `python -m bench digest [TICKETS] [--people P] [--years Y] [--pg DSN] [--keep]`: digest build
  time on SQLite, or on the PostgreSQL server at DSN;
- `python -m bench roster [ROWS …]`: people roster import time;
- `python -m bench places [N …]`: place resolution per message, the full index build and the
  first look-up after another instance added an alias, at N places;
- `python -m bench search [SIZES]`: stock and people search and the dispatcher's worker pick at
  1 000, 10 000, 50 000 rows (SIZES comma-separated).
"""

from __future__ import annotations

import argparse
import logging
import sys


def _digest(argv: list[str]) -> str:
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
    args = parser.parse_args(argv)
    from bench.digest_bench import table as digest_table

    return digest_table(args.tickets, args.repeats, pg=args.pg, people=args.people,
                        keep=args.keep, years=args.years)


def main(argv: list[str]) -> str:
    """Parse the command line and run the chosen benchmark; returns its table."""
    if argv and argv[0] == "broadcast":
        parser = argparse.ArgumentParser(prog="python -m bench broadcast")
        parser.add_argument("recipients", type=int, nargs="?", default=10_000)
        parser.add_argument("--chatters", type=int, default=20)
        args = parser.parse_args(argv[1:])
        from bench.broadcast import table as broadcast_table

        return broadcast_table(args.recipients, args.chatters)
    if argv and argv[0] == "digest":
        return _digest(argv[1:])
    if argv and argv[0] == "places":
        from bench.places_bench import SIZES as PLACE_SIZES
        from bench.places_bench import table as places_table

        return places_table(tuple(int(a) for a in argv[1:]) or PLACE_SIZES)
    if argv and argv[0] == "search":
        from bench.search_bench import SIZES as SEARCH_SIZES
        from bench.search_bench import table as search_table

        sizes = tuple(int(n) for n in argv[1].split(",")) if len(argv) > 1 else SEARCH_SIZES
        return search_table(sizes)
    if argv and argv[0] == "roster":
        from bench.roster_import import SIZES as ROSTER_SIZES
        from bench.roster_import import table as roster_table

        return roster_table([int(a) for a in argv[1:]] or list(ROSTER_SIZES))
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("users", type=int, nargs="?", default=500)
    parser.add_argument("--profile", action="store_true",
                        help="profile Houqin's CPU (cProfile) instead of comparing")
    parser.add_argument("--no-paced", action="store_true", help="skip the paced run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="pairs of runs (Houqin, echo bot) whose medians are given")
    args = parser.parse_args(argv)
    from bench.telegram_load import profile_table, table

    if args.profile:
        return profile_table(args.users)
    return table(args.users, paced=not args.no_paced, rounds=max(1, args.rounds))


if __name__ == "__main__":
    # the seeded test identities have no adapter, and the scheduler's jobs are cancelled at
    # each stop: expected noise
    logging.disable(logging.CRITICAL)
    print(main(sys.argv[1:]))
