"""Score the personal-data analyzer on the evaluation set of ``bench/pii_evalset.py``.

    python bench/pii_eval.py [--per-kind 50] [--look-alikes 400] [--seed 18] [--json OUT]

Per template set (``dev``, ``held_out``, ``fresh``): recall by kind (a planted value counts as found when a
finding of its kind covers it whole), precision (findings that overlap a planted value of their
kind, over all findings), look-alikes changed (look-alike values that any finding touches), the
lines the prefilter drops although the analyzer (run without it) flags them, and the analysis
time per line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

import django  # noqa: E402

django.setup()

from bench.pii_evalset import KINDS, TEMPLATE_SETS, Line, build  # noqa: E402
from platform_core.privacy.analyzer import default_threshold, might_contain, raw_findings  # noqa: E402


def score(lines: list[Line], threshold: float) -> dict:
    planted, found = Counter(), Counter()
    true_positive = false_positive = look_alikes = look_alikes_changed = prefilter_misses = 0
    missed: list[dict] = []
    wrong: list[dict] = []
    started = time.perf_counter()
    for line in lines:
        findings = raw_findings(line.text, threshold)
        if findings and not might_contain(line.text):
            prefilter_misses += 1
        for kind, start, end in line.planted:
            planted[kind] += 1
            if any(f.kind == kind and f.start <= start and f.end >= end for f in findings):
                found[kind] += 1
            else:
                missed.append({"text": line.text, "kind": kind, "value": line.text[start:end]})
        for finding in findings:
            if any(finding.kind == kind and finding.start < end and finding.end > start for kind, start, end in line.planted):
                true_positive += 1
            else:
                false_positive += 1
                wrong.append({"text": line.text, "kind": finding.kind, "value": finding.text})
        for start, end in line.look_alikes:
            look_alikes += 1
            look_alikes_changed += any(f.start < end and f.end > start for f in findings)
    elapsed = time.perf_counter() - started
    recall = {kind: round(found[kind] / planted[kind], 4) if planted[kind] else None for kind in KINDS}
    return {
        "lines": len(lines),
        "planted": sum(planted.values()),
        "recall_by_kind": recall,
        "recall": round(sum(found.values()) / max(sum(planted.values()), 1), 4),
        "precision": round(true_positive / max(true_positive + false_positive, 1), 4),
        "look_alikes": look_alikes,
        "look_alikes_changed": look_alikes_changed,
        "prefilter_misses": prefilter_misses,
        "ms_per_line": round(elapsed * 1000 / max(len(lines), 1), 3),
        "missed": missed[:40],
        "false_positives": wrong[:40],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-kind", type=int, default=50, help="planted lines per kind and template set")
    parser.add_argument("--look-alikes", type=int, default=400, help="look-alike lines per template set")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args()
    threshold = default_threshold()
    report = {"threshold": threshold, "seed": args.seed}
    for template_set in TEMPLATE_SETS:
        lines = build(template_set, per_kind=args.per_kind, look_alikes=args.look_alikes, seed=args.seed)
        report[template_set] = score(lines, threshold)
    print(f"{'':20}" + "".join(f"{name:>10}" for name in TEMPLATE_SETS))
    rows = [(f"recall {kind}", [report[name]["recall_by_kind"][kind] for name in TEMPLATE_SETS]) for kind in KINDS]
    keys = ("recall", "precision", "planted", "look_alikes", "look_alikes_changed", "prefilter_misses", "ms_per_line")
    rows += [(key, [report[name][key] for name in TEMPLATE_SETS]) for key in keys]
    for label, values in rows:
        print(f"{label:20}" + "".join(f"{value!s:>10}" for value in values))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
