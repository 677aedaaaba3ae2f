"""File writers for one export: per-split JSONL and Parquet, dataset_info.json, the datasheet.

Every data file is a pure function of the rows given to it: JSON with sorted keys, no timestamps,
Parquet row groups of a fixed size, a histogram PNG without a software/date stamp. That is what
makes two builds of the same spec on the same data byte-identical.
"""

import hashlib
import json
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from exports.build.kernels.examples import ChunkDialogues, ExampleHeads, Exchanges, example_lines, lines_block
from exports.models import SPLITS

PARQUET_ROW_GROUP = 20_000
# JSON lines handed to a writer's thread and not yet written, at most (a chunk of a large build
# gives a few megabytes per file).
LINES_IN_FLIGHT_BYTES = 64 << 20

TURN_SCHEMA = pa.schema(
    [
        ("dialogue_id", pa.int64()),
        ("seq", pa.int32()),
        ("split", pa.string()),
        ("character_id", pa.int64()),
        ("character", pa.string()),
        ("category", pa.string()),
        ("source", pa.string()),
        ("language", pa.string()),
        ("topic", pa.string()),
        ("topic_kind", pa.string()),
        ("speaker", pa.string()),
        ("text", pa.string()),
        ("original_text", pa.string()),
        ("pii_replacements", pa.int32()),
        ("quality_rating", pa.float64()),
        ("author_worker", pa.string()),
        ("author_model", pa.string()),
        ("model_generation", pa.int32()),
        ("character_worker", pa.string()),
        ("player_worker", pa.string()),
        ("synthesis_batch_id", pa.int64()),
        ("literary_work_id", pa.int64()),
        ("literary_chapter", pa.string()),
        ("dialogue_created_at", pa.string()),
    ]
)
TURN_COLUMNS = tuple(TURN_SCHEMA.names)
# Columns with few distinct values get Parquet dictionary encoding; the texts and ids would only
# make the writer try a dictionary and give it up, page after page.
DICTIONARY_COLUMNS = (
    "split",
    "character",
    "category",
    "source",
    "language",
    "topic",
    "topic_kind",
    "speaker",
    "author_worker",
    "author_model",
    "model_generation",
    "character_worker",
    "player_worker",
    "literary_chapter",
    "dialogue_created_at",
)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SplitWriter:
    """Writes one split's three files while rows stream in; holds at most one row group and
    ``LINES_IN_FLIGHT_BYTES`` of JSON lines in memory.

    Turns arrive as Arrow tables of any size; they are written in row groups of exactly
    ``PARQUET_ROW_GROUP`` rows (the last one shorter), so the file does not depend on how the
    build happened to batch its reads.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._characterglm = open(directory / "characterglm.jsonl", "wb", buffering=1 << 20)
        self._messages = open(directory / "messages.jsonl", "wb", buffering=1 << 20)
        self._parquet = pq.ParquetWriter(
            directory / "turns.parquet",
            TURN_SCHEMA,
            compression="zstd",
            compression_level=1,
            use_dictionary=list(DICTIONARY_COLUMNS),
        )
        # Arrow encodes and compresses without the GIL: row groups are written on a thread of their
        # own while the build goes on, one at a time (so at most one waits in memory).
        self._parquet_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-parquet")
        self._parquet_pending: Future | None = None
        # Copying the JSON lines into the page cache takes 0.6-0.9 CPU-seconds per 500 MB on the
        # 2-core benchmark machine: a thread of its own does it, in order, while the build goes on.
        self._lines_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-jsonl")
        self._lines_pending: deque[tuple[Future, int]] = deque()
        self._lines_bytes = 0
        # Hashed as they are written, so that publishing does not read 500 MB back.
        self._characterglm_sha256, self._messages_sha256 = hashlib.sha256(), hashlib.sha256()
        self._tables: list[pa.Table] = []
        self._buffered = 0
        self._rows: list[tuple] = []

    def write_characterglm_lines(self, lines: bytes | memoryview) -> None:
        """Whole JSON lines (``exports.build.kernels.examples``), newlines included; ``lines`` must
        not change until ``close``."""
        self._write_lines(self._characterglm, self._characterglm_sha256, lines)

    def write_messages_lines(self, lines: bytes | memoryview) -> None:
        """Whole JSON lines (``exports.build.kernels.examples``), newlines included; ``lines`` must
        not change until ``close``."""
        self._write_lines(self._messages, self._messages_sha256, lines)

    def _write_lines(self, file: BinaryIO, digest: "hashlib._Hash", lines: bytes | memoryview) -> None:
        size = memoryview(lines).nbytes
        # Done writes are collected (a failed one raises here); past the limit, the oldest waited for.
        while self._lines_pending and (self._lines_pending[0][0].done() or self._lines_bytes > LINES_IN_FLIGHT_BYTES):
            written, written_size = self._lines_pending.popleft()
            self._lines_bytes -= written_size
            written.result()
        self._lines_pending.append((self._lines_thread.submit(_hash_and_write, file, digest, lines), size))
        self._lines_bytes += size

    def _wait_for_lines(self) -> None:
        while self._lines_pending:
            self._lines_pending.popleft()[0].result()
        self._lines_bytes = 0

    def write_turns(self, table: pa.Table) -> None:
        """Rows of ``TURN_SCHEMA``."""
        self._flush_rows()
        if not table.num_rows:
            return
        self._tables.append(table)
        self._buffered += table.num_rows
        if self._buffered >= PARQUET_ROW_GROUP:
            self._flush(final=False)

    def write_turn(self, row: tuple) -> None:
        """One row: the values of ``TURN_COLUMNS`` in order."""
        self._rows.append(row)
        if len(self._rows) >= PARQUET_ROW_GROUP:
            self._flush_rows()

    def _flush_rows(self) -> None:
        if self._rows:
            columns = [
                pa.array(values, type=field.type)
                for values, field in zip(zip(*self._rows, strict=True), TURN_SCHEMA, strict=True)
            ]
            self._rows = []
            self.write_turns(pa.Table.from_arrays(columns, schema=TURN_SCHEMA))

    def _flush(self, *, final: bool) -> None:
        if not self._tables:
            return
        table = pa.concat_tables(self._tables)
        whole = table.num_rows if final else table.num_rows - table.num_rows % PARQUET_ROW_GROUP
        if whole:
            self._wait_for_parquet()
            self._parquet_pending = self._parquet_thread.submit(self._write_row_groups, table.slice(0, whole))
        rest = table.slice(whole)
        self._tables = [rest] if rest.num_rows else []
        self._buffered = rest.num_rows

    def _write_row_groups(self, table: pa.Table) -> None:
        for start in range(0, table.num_rows, PARQUET_ROW_GROUP):
            chunk = table.slice(start, PARQUET_ROW_GROUP).combine_chunks()
            self._parquet.write_table(chunk, row_group_size=PARQUET_ROW_GROUP)

    def _wait_for_parquet(self) -> None:
        if self._parquet_pending is not None:
            pending, self._parquet_pending = self._parquet_pending, None
            pending.result()

    def close(self) -> None:
        self._flush_rows()
        self._flush(final=True)
        try:
            self._wait_for_parquet()
            self._wait_for_lines()
        finally:
            self._parquet_thread.shutdown(wait=True)
            self._lines_thread.shutdown(wait=True)
        self._parquet.close()
        self._characterglm.close()
        self._messages.close()

    def sha256(self) -> dict[Path, str]:
        """After ``close``: the SHA-256 of each JSON lines file, taken from what was written to it."""
        return {
            self.directory / "characterglm.jsonl": self._characterglm_sha256.hexdigest(),
            self.directory / "messages.jsonl": self._messages_sha256.hexdigest(),
        }

    def abort(self) -> None:
        """Close the files without caring about their content (the directory is thrown away)."""
        self._parquet_thread.shutdown(wait=True, cancel_futures=True)
        self._lines_thread.shutdown(wait=True, cancel_futures=True)
        for closer in (self._parquet.close, self._characterglm.close, self._messages.close):
            try:
                closer()
            except Exception:  # already failing; the files are discarded
                pass


def write_example_lines(
    segments: ChunkDialogues,
    exchange: Exchanges,
    heads: ExampleHeads,
    split_codes: np.ndarray,
    writers: dict[str, SplitWriter],
) -> None:
    """The example lines of one chunk, each split's (``heads`` are in split order) to its writer."""
    characterglm, messages = example_lines(segments, exchange, heads)
    bounds = np.searchsorted(split_codes[heads.dialogue], np.arange(len(SPLITS) + 1)).tolist()
    for position, split in enumerate(SPLITS):
        if bounds[position + 1] > bounds[position]:
            writers[split].write_characterglm_lines(lines_block(characterglm, bounds[position], bounds[position + 1]))
            writers[split].write_messages_lines(lines_block(messages, bounds[position], bounds[position + 1]))


def _hash_and_write(file: BinaryIO, digest: "hashlib._Hash", lines: bytes | memoryview) -> None:
    digest.update(lines)
    file.write(lines)


def dataset_info(splits: tuple[str, ...]) -> dict:
    """LLaMA-Factory's ``dataset_info.json`` for the build directory (``dataset_dir``)."""
    return {
        f"troupe_{split}": {
            "file_name": f"{split}/messages.jsonl",
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
        for split in splits
    }


def histogram_png(path: Path, turns_per_dialogue: Counter) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.2), dpi=100)
    axes = figure.add_subplot()
    if turns_per_dialogue:
        lengths = sorted(turns_per_dialogue)
        axes.bar(lengths, [turns_per_dialogue[n] for n in lengths], width=0.9, color="#4a6fa5")
    axes.set_xlabel("turns per dialogue")
    axes.set_ylabel("dialogues")
    axes.set_title("Turns per dialogue")
    figure.tight_layout()
    # No "Software" stamp: the PNG depends on the data only.
    figure.savefig(path, format="png", metadata={"Software": None})


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _split_warning_lines(warnings: list[dict]) -> list[str]:
    lines = []
    for warning in warnings:
        if warning["problem"] == "empty":
            lines.append(f"**Warning:** the {warning['split']} split is empty although its ratio is {warning['ratio']:g}.")
        else:
            lines.append(
                f"**Warning:** the {warning['split']} split holds {warning['share']:.0%} of the dialogues, "
                f"far from its ratio {warning['ratio']:g}."
            )
    return lines


def datasheet_markdown(*, title: str, version: int | None, spec: dict, stats: dict, manifest_time: str) -> str:
    """A human-readable datasheet: what is in the corpus, where it came from, what curation did."""
    splits = stats.get("splits", {})
    curation = stats.get("curation", {})
    pii = stats.get("pii_replacements", {})
    sections = [
        f"# Datasheet: {title}" + (f" (v{version})" if version else ""),
        f"Built {manifest_time}. Files and checksums are listed in `manifest.json`.",
        "## Composition",
        _table(
            ("split", "characters", "dialogues", "turns", "messages examples", "characterglm examples"),
            [
                (
                    name,
                    info.get("characters", 0),
                    info.get("dialogues", 0),
                    info.get("turns", 0),
                    info.get("messages_examples", 0),
                    info.get("characterglm_examples", 0),
                )
                for name, info in splits.items()
            ],
        ),
        "### Dialogues by source",
        _table(("source", "dialogues"), sorted(stats.get("by_source", {}).items())),
        "### Dialogues by character category",
        _table(("category", "dialogues"), sorted(stats.get("by_category", {}).items())),
        "### Turns per dialogue",
        "![Turns per dialogue](turns_per_dialogue.png)",
        "## Selection",
        "```json\n" + json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n```",
        "## Curation",
        _table(("step", "removed"), sorted(curation.items())),
        "### Personal data replaced",
        _table(("kind", "replacements"), sorted(pii.items())),
        "Worker ids are replaced by salted hashes (`worker-…`); the salt is not part of the export.",
        "## Splits",
        "Character-disjoint: every character's dialogues are in exactly one split. Characters are "
        "grouped by category and main source and assigned in a seeded order so that each group, and "
        "the corpus as a whole, is divided in the spec's ratios; a split with a non-zero ratio gets "
        "at least one character whenever there are enough characters.",
        *_split_warning_lines(stats.get("split_warnings", [])),
    ]
    return "\n\n".join(sections) + "\n"
