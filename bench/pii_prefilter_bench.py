"""CPU cost of the export's personal-data prefilter over ordinary chat lines.

    python bench/pii_prefilter_bench.py [--lines 200000] [--number-lines 20000] [--repeat 3] [--json OUT]

Two columns: "plain", ``--lines`` lines of three fragments of ``bench/export_bench.py`` joined,
with its "(d.t)" marker, as the export bench writes its turns; "numbers", ``--number-lines``
look-alike lines of the template sets of ``bench/pii_evalset.py`` up to "unseen" (dates, prices,
versions, order numbers …, cycled), lines full of digits that the prefilter selects far more often. For each: CPU seconds of the RE2 prefilter over the column
(``personal_data_candidates``), the share of lines it selects, and CPU seconds of
``scrub_column`` (prefilter, then the analysis of every candidate). Medians of ``--repeat`` runs;
CPU seconds, so other load on the machine does not count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

import django  # noqa: E402

django.setup()

import pyarrow as pa  # noqa: E402

from bench.export_bench import FRAGMENTS_EN, FRAGMENTS_ZH  # noqa: E402
from bench.pii_evalset import build  # noqa: E402
from exports.build.kernels.batch_curation import personal_data_candidates, scrub_column  # noqa: E402


def plain_lines(count: int, rng: random.Random) -> list[str]:
    lines = []
    for index in range(count):
        zh = index % 2 == 0
        fragments, joiner = (FRAGMENTS_ZH, "，") if zh else (FRAGMENTS_EN, ", ")
        lines.append(joiner.join(rng.sample(fragments, 3)) + f" ({index // 20}.{index % 20})")
    return lines


# Fixed, so that figures taken before and after a later set was added compare.
_NUMBER_SETS = ("dev", "held_out", "fresh", "final", "unseen")


def number_lines(count: int) -> list[str]:
    pool = [line.text for name in _NUMBER_SETS for line in build(name, per_kind=0, look_alikes=400)]
    return [pool[index % len(pool)] for index in range(count)]


def measure(texts: pa.Array, repeat: int) -> dict:
    prefilter_s, scrub_s, selected = [], [], 0
    for _ in range(repeat):
        started = time.process_time()
        selected = int(personal_data_candidates(texts).sum())
        prefilter_s.append(time.process_time() - started)
        started = time.process_time()
        scrub_column(texts, Counter())
        scrub_s.append(time.process_time() - started)
    return {
        "lines": len(texts),
        "prefilter_cpu_s": round(statistics.median(prefilter_s), 4),
        "selected_share": round(selected / max(len(texts), 1), 5),
        "scrub_cpu_s": round(statistics.median(scrub_s), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--number-lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scrub_column(pa.array(["warm up 13812345678"]), Counter())  # build the engine outside the timing
    report = {
        "plain": measure(pa.array(plain_lines(args.lines, random.Random(0))), args.repeat),
        "numbers": measure(pa.array(number_lines(args.number_lines)), args.repeat),
    }
    for name, row in report.items():
        print(f"{name:8} " + "  ".join(f"{key} {value}" for key, value in row.items()))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
