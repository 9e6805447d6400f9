"""`make bench`: cold starts per function, then the DynamoDB cost of requests (see each module)."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTIONS = ["bench.cold_start", "bench.answers", "bench.accounts", "bench.content", "bench.plans", "bench.bookings", "bench.classes", "bench.partner", "bench.load"]


def main() -> int:
    for name in SECTIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            print(f"\n({name} is not part of this build)")
            continue
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
