"""python -m consortium_dw.generator --size tiny|demo|city --seed N --landing DIR"""

from __future__ import annotations

import argparse
import json
import sys

from consortium_dw.generator import generate
from consortium_dw.generator.scenario import SIZES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consortium_dw.generator",
                                     description="Write a synthetic district's deliveries.")
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--landing", required=True)
    parser.add_argument("--dirty-log", default=None,
                        help="where to list dirtied rows (default: <landing>.dirtied.csv)")
    parser.add_argument("--residents", type=int, default=None)
    parser.add_argument("--start", default=None, help="YYYY-MM-DD")
    parser.add_argument("--end", default=None, help="YYYY-MM-DD")
    parser.add_argument("--dirty-rate", type=float, default=None)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    summary = generate(args.size, args.seed, args.landing, dirty_log=args.dirty_log,
                       progress=False if args.no_progress else True, residents=args.residents,
                       start=args.start, end=args.end, dirty_rate=args.dirty_rate)
    print(json.dumps({k: summary[k] for k in ("size", "seed", "total_rows", "files",
                                              "megabytes", "dirtied_rows", "seconds")},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
