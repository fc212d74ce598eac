"""Run the benchmarks and print their tables:

- `python -m bench [USERS] [--profile] [--no-paced]`: repair conversations vs an echo bot
  (updates/s, latency, CPU per update; `--profile`: where Houqin's CPU goes);
- `python -m bench broadcast [N] [--chatters K]`: an emergency broadcast at Telegram's limits
  while K recipients chat with the bot;
- `python -m bench digest [TICKETS]`: digest build time.
"""

from __future__ import annotations

import argparse
import logging
import sys


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
        from bench.digest_bench import table as digest_table

        return digest_table(int(argv[1]) if len(argv) > 1 else 200_000)
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("users", type=int, nargs="?", default=500)
    parser.add_argument("--profile", action="store_true",
                        help="profile Houqin's CPU (cProfile) instead of comparing")
    parser.add_argument("--no-paced", action="store_true", help="skip the paced run")
    args = parser.parse_args(argv)
    from bench.telegram_load import profile_table, table

    if args.profile:
        return profile_table(args.users)
    return table(args.users, paced=not args.no_paced)


if __name__ == "__main__":
    # the seeded test identities have no adapter, and the scheduler's jobs are cancelled at
    # each stop: expected noise
    logging.disable(logging.CRITICAL)
    print(main(sys.argv[1:]))
