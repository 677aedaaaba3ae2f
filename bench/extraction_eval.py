"""Score the literary dialogue detector against the hand-labelled set in bench/data/.

    python bench/extraction_eval.py [--data bench/data/extraction_gold.json] [--json OUT]

A predicted line counts as correct when its speaker and its text (letters and digits only,
case-folded) equal a gold line's; each gold line is matched at most once. Precision is over the
speaker-attributed lines of the detected candidates, recall over all gold lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotation.extraction import detect_candidates, normalise_line  # noqa: E402

DEFAULT_DATA = ROOT / "bench" / "data" / "extraction_gold.json"


def _key(speaker: str, text: str) -> tuple[str, str]:
    return normalise_line(speaker), normalise_line(text)


def score_document(document: dict) -> dict:
    candidates = detect_candidates(document["text"])
    predicted = [line for candidate in candidates for line in candidate.lines]
    attributed = [line for line in predicted if line.speaker]
    gold = Counter(_key(line["speaker"], line["text"]) for line in document["lines"])
    matched = 0
    for line in attributed:
        key = _key(line.speaker, line.text)
        if gold[key] > 0:
            gold[key] -= 1
            matched += 1
    return {
        "id": document["id"],
        "kind": document["kind"],
        "language": document["language"],
        "gold_lines": len(document["lines"]),
        "predicted_lines": len(predicted),
        "attributed_lines": len(attributed),
        "correct": matched,
        "candidates": len(candidates),
        "held_out": bool(document.get("held_out")),
    }


def evaluate(data_path: Path) -> dict:
    documents = json.loads(data_path.read_text(encoding="utf-8"))["documents"]
    started = time.perf_counter()
    rows = [score_document(document) for document in documents]
    elapsed = time.perf_counter() - started
    correct = sum(row["correct"] for row in rows)
    attributed = sum(row["attributed_lines"] for row in rows)
    gold = sum(row["gold_lines"] for row in rows)
    precision = correct / attributed if attributed else 0.0
    recall = correct / gold if gold else 0.0
    # Throughput on a long text (the labelled documents repeated to about 300k characters), the
    # size of a long novel's few chapters; the detector must stay linear in the text length.
    long_text = "\n".join(document["text"] for document in documents)
    long_text *= max(1, 300_000 // len(long_text))
    started = time.perf_counter()
    detect_candidates(long_text)
    long_seconds = time.perf_counter() - started
    held = [row for row in rows if row["held_out"]]
    held_attributed = sum(row["attributed_lines"] for row in held)
    held_gold = sum(row["gold_lines"] for row in held)
    held_correct = sum(row["correct"] for row in held)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "lines": gold,
        "attributed_lines": attributed,
        "correct": correct,
        # Documents written after the detector was tuned on the others.
        "held_out": {
            "precision": round(held_correct / held_attributed, 4) if held_attributed else None,
            "recall": round(held_correct / held_gold, 4) if held_gold else None,
            "lines": held_gold,
        },
        "documents": rows,
        "seconds": round(elapsed, 4),
        "throughput_chars": len(long_text),
        "throughput_chars_per_second": round(len(long_text) / long_seconds),
        "data": str(data_path.relative_to(ROOT) if data_path.is_relative_to(ROOT) else data_path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    result = evaluate(args.data)
    print(f"{'document':<22} {'kind':<7} {'gold':>5} {'pred':>5} {'attr':>5} {'correct':>7}")
    for row in result["documents"]:
        print(
            f"{row['id']:<22} {row['kind']:<7} {row['gold_lines']:>5} {row['predicted_lines']:>5} "
            f"{row['attributed_lines']:>5} {row['correct']:>7}"
        )
    print(
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  f1 {result['f1']:.3f}  lines {result['lines']}"
    )
    held = result["held_out"]
    print(f"held-out documents: precision {held['precision']}  recall {held['recall']}  lines {held['lines']}")
    print(
        f"throughput {result['throughput_chars_per_second']:,} characters/s on {result['throughput_chars']:,} characters"
    )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
