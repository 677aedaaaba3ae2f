"""Score the literary dialogue detector against hand-labelled public-domain passages.

    python bench/extraction_eval.py [--data bench/data/extraction_real] [--json OUT]

``--data`` is a folder of one JSON file per work (``bench/data/extraction_real/``, real editions)
or one JSON file with a ``documents`` list (``bench/data/extraction_gold.json``). Each work has
its ``text`` and its ``lines`` (every line of direct speech, in order, with its ``speaker``;
``null`` where the text does not name who speaks) and ``aliases`` (names of one person).

A detected line matches a labelled one when their texts (letters and digits only, case-folded)
are at least 90% alike; each labelled line matches at most once. Quote precision is over the
lines of the detected candidate passages, recall over the labelled lines. Speaker accuracy is over
the matched lines whose labelled speaker is named: the detected speaker must be that person (an
alias counts; a missing speaker is wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotation.extraction import detect_candidates, normalise_line  # noqa: E402

DEFAULT_DATA = ROOT / "bench" / "data" / "extraction_real"
SIMILARITY = 0.9


def load_documents(path: Path) -> list[dict]:
    if path.is_dir():
        return [json.loads(file.read_text(encoding="utf-8")) for file in sorted(path.glob("*.json"))]
    return json.loads(path.read_text(encoding="utf-8"))["documents"]


def _alike(first: str, second: str) -> bool:
    if first == second:
        return True
    if not first or not second or min(len(first), len(second)) < SIMILARITY * max(len(first), len(second)):
        return False
    matcher = SequenceMatcher(None, first, second, autojunk=False)
    return matcher.quick_ratio() >= SIMILARITY and matcher.ratio() >= SIMILARITY


def match_lines(predicted: list[str], gold: list[str]) -> list[tuple[int, int]]:
    """Pairs (predicted index, gold index), each side used once, searched near the same order."""
    pairs = []
    used: set[int] = set()
    cursor = 0
    for gold_index, gold_text in enumerate(gold):
        window = range(max(0, cursor - 15), min(len(predicted), cursor + 25))
        for index in window:
            if index not in used and _alike(predicted[index], gold_text):
                pairs.append((index, gold_index))
                used.add(index)
                cursor = index + 1
                break
    return pairs


def _same_person(predicted: str | None, gold: str, aliases: list[list[str]]) -> bool:
    if not predicted:
        return False
    predicted_key, gold_key = normalise_line(predicted), normalise_line(gold)
    if predicted_key == gold_key:
        return True
    return any(
        predicted_key in {normalise_line(name) for name in group}
        and gold_key in {normalise_line(name) for name in group}
        for group in aliases
    )


def score_document(document: dict) -> dict:
    candidates = detect_candidates(document["text"])
    predicted = [line for candidate in candidates for line in candidate.lines]
    gold = document["lines"]
    pairs = match_lines(
        [normalise_line(line.text) for line in predicted], [normalise_line(line["text"]) for line in gold]
    )
    named = [(p, g) for p, g in pairs if gold[g]["speaker"]]
    right = [
        (p, g) for p, g in named if _same_person(predicted[p].speaker, gold[g]["speaker"], document.get("aliases", []))
    ]
    wrong = [
        {
            "text": gold[g]["text"][:40],
            "gold": gold[g]["speaker"],
            "detected": predicted[p].speaker,
            "method": predicted[p].method,
        }
        for p, g in named
        if (p, g) not in right
    ]
    matched_gold = {g for _p, g in pairs}
    matched_predicted = {p for p, _g in pairs}
    return {
        "id": document["id"],
        "work": document.get("work", document["id"]),
        "language": document["language"],
        "kind": document["kind"],
        "held_out": bool(document.get("held_out")),
        "lines": len(gold),
        "detected": len(predicted),
        "matched": len(pairs),
        "named": len(named),
        "speaker_correct": len(right),
        "precision": round(len(pairs) / len(predicted), 4) if predicted else 0.0,
        "recall": round(len(pairs) / len(gold), 4) if gold else 0.0,
        "speaker_accuracy": round(len(right) / len(named), 4) if named else None,
        "missed": [line["text"][:40] for index, line in enumerate(gold) if index not in matched_gold],
        "spurious": [line.text[:40] for index, line in enumerate(predicted) if index not in matched_predicted],
        "wrong_speakers": wrong,
    }


def _totals(rows: list[dict]) -> dict:
    detected = sum(row["detected"] for row in rows)
    lines = sum(row["lines"] for row in rows)
    matched = sum(row["matched"] for row in rows)
    named = sum(row["named"] for row in rows)
    correct = sum(row["speaker_correct"] for row in rows)
    return {
        "precision": round(matched / detected, 4) if detected else 0.0,
        "recall": round(matched / lines, 4) if lines else 0.0,
        "speaker_accuracy": round(correct / named, 4) if named else 0.0,
        "lines": lines,
        "detected": detected,
        "matched": matched,
        "named": named,
        "speaker_correct": correct,
        "works": len(rows),
    }


def evaluate(data_path: Path) -> dict:
    documents = load_documents(data_path)
    started = time.perf_counter()
    rows = [score_document(document) for document in documents]
    elapsed = time.perf_counter() - started
    # Throughput on a long text (the works repeated to about 300k characters): the detector must
    # stay linear in the text length.
    long_text = "\n\n".join(document["text"] for document in documents)
    long_text *= max(1, 300_000 // len(long_text))
    started = time.perf_counter()
    detect_candidates(long_text)
    long_seconds = time.perf_counter() - started
    overall = _totals(rows)
    return {
        **overall,
        "works": [{key: value for key, value in row.items()} for row in rows],
        "development": _totals([row for row in rows if not row["held_out"]]),
        "held_out": _totals([row for row in rows if row["held_out"]]),
        "by_language": {
            language: _totals([row for row in rows if row["language"].startswith(language)])
            for language in ("zh", "en")
        },
        "seconds": round(elapsed, 4),
        "throughput_chars": len(long_text),
        "throughput_chars_per_second": round(len(long_text) / long_seconds),
        "data": str(data_path.relative_to(ROOT) if data_path.is_relative_to(ROOT) else data_path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="list missed, spurious and wrongly attributed lines")
    args = parser.parse_args(argv)
    result = evaluate(args.data)
    print(f"{'work':<36} {'split':<8} {'lines':>5} {'found':>5} {'prec':>6} {'recall':>6} {'speaker':>7}")
    for row in result["works"]:
        accuracy = "-" if row["speaker_accuracy"] is None else f"{row['speaker_accuracy']:.3f}"
        split = "held-out" if row["held_out"] else "dev"
        print(
            f"{row['id']:<36} {split:<8} {row['lines']:>5} {row['detected']:>5} "
            f"{row['precision']:>6.3f} {row['recall']:>6.3f} {accuracy:>7}"
        )
        if args.verbose:
            for key in ("missed", "spurious", "wrong_speakers"):
                for item in row[key]:
                    print(f"    {key}: {item}")
    for label, totals in (
        ("development", result["development"]),
        ("held-out", result["held_out"]),
        ("overall", result),
    ):
        print(
            f"{label:<12} precision {totals['precision']:.3f}  recall {totals['recall']:.3f}  "
            f"speaker accuracy {totals['speaker_accuracy']:.3f}  lines {totals['lines']}"
        )
    print(
        f"throughput {result['throughput_chars_per_second']:,} characters/s on {result['throughput_chars']:,} characters"
    )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
