"""The corpus builder: prepares the split plan and prompts, then curates and writes chunk by chunk."""

import hashlib
import importlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from django.conf import settings
from django.db.models import Count

from exports.build.analysis import AnalysisPool, ChunkAnalysis, analysed_ahead, scrub_turns
from exports.build.columns import column_array, iso_timestamp
from exports.build.kernels import examples
from exports.build.kernels.batch_curation import near_duplicate_mask, scan_texts, string_buffers, warm_up
from exports.build.kernels.examples import (
    ChunkDialogues,
    ExampleHeads,
    Exchanges,
    exchanges,
    joined_texts,
    json_literal,
)
from exports.build.progress import ProgressReporter
from exports.build.splits import assign_splits, dialogue_queryset, split_warnings
from exports.build.statistics import WrittenStatistics
from exports.build.turn_stream import dialogue_tables
from exports.build.writers import (
    TURN_SCHEMA,
    SplitWriter,
    dataset_info,
    dumps,
    histogram_png,
    write_example_lines,
)
from exports.curation import PII_KINDS, scrub_personal_data, worker_hash
from exports.models import SPLITS, PromptMode
from roleplay.models import Character, CharacterPrompt, PromptKind, ReviewStatus, Speaker
from roleplay.prompting import profile_text
from training.models import ModelVersion

_LABELS = {
    "zh-hans": {"user": "关于{name}的信息：{info}", "greeting": "{name}的开场白：{greeting}"},
    "en": {"user": "About {name}: {info}", "greeting": "{name} opens the conversation with: {greeting}"},
}


@dataclass(frozen=True)
class _CuratedTurns:
    """One chunk's turns after the per-turn steps: texts scrubbed, which rows are kept, and per
    dialogue the exact-duplicate key of its kept turns (``key_bytes[key_offsets[i]:key_offsets[i + 1]]``)."""

    texts: pa.Array
    originals: pa.Array
    replaced: np.ndarray
    speakers: pa.Array
    speaker_codes: np.ndarray
    kept: np.ndarray
    empty: int
    near_duplicates: int
    key_offsets: list[int]
    key_bytes: memoryview


# Parquet columns copied from the dialogue's row.
_DIALOGUE_COLUMNS_OUT = ("character_id", "source", "language", "topic", "topic_kind", "quality_rating")
_DIALOGUE_COLUMNS_OUT += ("synthesis_batch_id", "literary_work_id", "literary_chapter")


# Per-dialogue fields of a ``dialogue_tables`` row, read once per dialogue.
_DIALOGUE_FIELDS = ("dialogue_id", "character_id", "source", "model_version_id", "created_at")
_DIALOGUE_FIELDS += ("persona_name", "persona_description")


@dataclass(frozen=True)
class _Chunk:
    """One chunk's dialogues (``head``: their per-dialogue fields as lists) and the turns of those
    in the split plan (``turn_dialogue``: each turn's dialogue row)."""

    dialogues: pa.Table
    turns: pa.Table
    count: int
    head: dict[str, list]
    splits: list[str | None]
    split_codes: np.ndarray
    turn_dialogue: np.ndarray


def _segments(curated: _CuratedTurns, kept_dialogue: np.ndarray, count: int) -> ChunkDialogues:
    """The kept turns as messages: consecutive turns of one speaker become one (chat formats alternate roles)."""
    kept = curated.kept
    kept_codes = curated.speaker_codes[kept]
    segment_first = np.flatnonzero(
        np.r_[True, (kept_dialogue[1:] != kept_dialogue[:-1]) | (kept_codes[1:] != kept_codes[:-1])]
    )[: len(kept)]
    return ChunkDialogues(
        segments=joined_texts(curated.texts, kept, segment_first, b"\n"),
        segment_is_character=pc.equal(curated.speakers.take(pa.array(kept[segment_first])), Speaker.CHARACTER.value)
        .to_numpy(zero_copy_only=False)
        .astype(bool),
        bounds=np.searchsorted(kept_dialogue[segment_first], np.arange(count + 1)),
    )


class CorpusBuilder:
    def __init__(self, spec: dict, reporter: ProgressReporter) -> None:
        self.spec = spec
        self.reporter = reporter
        self.salt = settings.EXPORT_HASH_SALT
        self.scrub = bool(spec.get("scrub_personal_data", True))
        self.threshold = float(spec.get("near_duplicate_threshold", 0.9))
        self.curation: Counter = Counter()
        self.pii: Counter = Counter()
        self.seen_digests: set[bytes] = set()
        self._cleaned_texts: dict[str | None, tuple[str, Counter]] = {}
        self._character_examples: dict[tuple, list[tuple[str, str, str, str, str]]] = {}
        self.written = WrittenStatistics()
        self.sha256: dict[Path, str] = {}  # of the files hashed while they were written
        self._pseudonyms: dict[int | None, str] = {}
        self.dialogues_seen = 0
        self.turns_seen = 0
        self.total_dialogues = 0

    # -- preparation: characters, prompts, splits
    def _prepare(self) -> None:
        spec = self.spec
        dialogues = self.dialogues
        per_source = (
            dialogues.values_list("character_id", "source").annotate(n=Count("id")).order_by("character_id", "source")
        )
        weights: Counter = Counter()
        main_source: dict[int, tuple[int, str]] = {}
        for character_id, source, n in per_source:
            weights[character_id] += n
            best = main_source.get(character_id)
            if best is None or n > best[0]:
                main_source[character_id] = (n, source)
        character_ids = dialogues.values("character_id")
        self.characters = {c.pk: c for c in Character.objects.filter(pk__in=character_ids)}
        self.category_of = {pk: character.category for pk, character in self.characters.items()}
        self.split_of = assign_splits(
            {
                cid: (self.characters[cid].category, main_source[cid][1], weights[cid])
                for cid in weights
                if cid in self.characters
            },
            {split: float(spec[f"{split}_ratio"]) for split in SPLITS},
            int(spec["seed"]),
        )
        # One accepted prompt per kind (the earliest), in the order the spec lists the kinds.
        variants = list(spec["prompt_variants"])
        prompts: dict[int, dict[str, str]] = defaultdict(dict)
        rows = (
            CharacterPrompt.objects.filter(
                character_id__in=character_ids, review_status=ReviewStatus.ACCEPTED, kind__in=variants
            )
            .order_by("character_id", "kind", "id")
            .values_list("character_id", "kind", "text")
        )
        for character_id, kind, text in rows:
            prompts[character_id].setdefault(kind, text)
        self.prompt_options: dict[int, list[tuple[str, str]]] = {}
        for cid, character in self.characters.items():
            options = []
            for kind in variants:
                text = prompts[cid].get(kind)
                if text is None and kind == PromptKind.PROFILE:
                    text = profile_text(character)
                if text:
                    options.append((kind, self._cleaned(text)))
            if not options:
                options = [(PromptKind.PROFILE.value, self._cleaned(profile_text(character)))]
                self.curation["characters_without_requested_prompt_used_profile"] += 1
            self.prompt_options[cid] = options
        self.models = {
            pk: (name, generation)
            for pk, name, generation in ModelVersion.objects.values_list("pk", "name", "generation")
        }
        # Progress counts dialogues: their number is known from the split plan's query, while
        # counting the turns would read an index of millions of rows first.
        self.total_dialogues = sum(weights.values())

    def _pseudonym(self, user_id: int | None) -> str:
        """``worker_hash`` memoised: a corpus has far fewer workers than turns."""
        known = self._pseudonyms.get(user_id)
        if known is None:
            known = self._pseudonyms[user_id] = worker_hash(user_id, self.salt)
        return known

    def _scrubbed(self, text: str | None) -> tuple[str, Counter]:
        """``text`` with personal data replaced (when the spec asks) and the replacements made,
        remembered for texts many dialogues repeat (a prompt, a greeting, a persona), uncounted."""
        known = self._cleaned_texts.get(text)
        if known is None:
            made: Counter = Counter()
            cleaned = scrub_personal_data(text, made)[0] if text and self.scrub else text or ""
            known = self._cleaned_texts[text] = (cleaned, made)
        return known

    def _cleaned(self, text: str | None) -> str:
        """``text`` with personal data replaced: scrubbed once, its replacements counted at every use."""
        cleaned, made = self._scrubbed(text)
        if made:
            self.pii.update(made)
        return cleaned

    # -- the build
    def run(self, directory: Path) -> dict:
        self.reporter.report(0, "selecting dialogues", force=True)
        self.dialogues = dialogue_queryset(self.spec)
        # Before the build's threads start: the analysis processes are forked from this one.
        self.analysis: AnalysisPool | None = AnalysisPool.for_build(self.dialogues) if self.scrub else None
        writers: dict[str, SplitWriter] = {}
        try:
            with dialogue_tables(self.dialogues) as tables:
                # A chunk's turns are curated (personal data, empty and near-duplicate turns: Arrow and
                # compiled code, mostly without the GIL) on this thread while the previous chunk's
                # dialogues are written. It loads the compiled passes while the split plan is made and
                # the first chunks are read, and the datasheet's plotting library while the last chunk
                # is written.
                self.near = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-curation")
                # A chunk's example lines are made (compiled, mostly without the GIL) and handed to
                # the writers on a thread of their own, while this one prepares the next chunk.
                self.example_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-examples")
                self._examples_pending: Future | None = None
                self.near.submit(warm_up)
                self.near.submit(examples.warm_up)
                try:
                    self._prepare()
                    writers = {split: SplitWriter(directory / split) for split in SPLITS}
                    self._build(tables, writers, directory)
                finally:
                    self.near.shutdown(wait=True, cancel_futures=True)
                    self.example_thread.shutdown(wait=True, cancel_futures=True)
        except BaseException:
            for writer in writers.values():
                writer.abort()
            raise
        finally:
            if self.analysis is not None:
                self.analysis.close()
        self.reporter.report(96, "writing datasheet")
        (directory / "dataset_info.json").write_text(dumps(dataset_info(SPLITS)) + "\n", encoding="utf-8")
        return self._stats()

    def _build(self, tables: Iterator, writers: dict[str, SplitWriter], directory: Path) -> None:
        """Curate and write chunk after chunk, each one's curation beside the previous one's writing."""
        pending: Iterator[None] | None = None
        chunks = (self._chunk(dialogues.combine_chunks(), turns.combine_chunks()) for dialogues, turns in tables)
        for chunk, analysis in analysed_ahead(self.analysis, chunks, lambda chunk: chunk.turns):
            stage = self._batch(chunk, analysis, writers)
            started = next(stage, "done") is None
            if pending is not None:
                self._finish(pending)
            pending = stage if started else None
        self.near.submit(importlib.import_module, "matplotlib.figure")
        if pending is not None:
            self._finish(pending)
        # The histogram is drawn while the writers flush their last row groups.
        histogram = self.near.submit(
            histogram_png, directory / "turns_per_dialogue.png", self.written.turns_per_dialogue
        )
        self._wait_for_examples()
        for writer in writers.values():
            writer.close()
            self.sha256 |= writer.sha256()
        histogram.result()

    def _finish(self, stage: Iterator[None]) -> None:
        for _step in stage:
            pass
        self.reporter.report(
            95 * min(self.dialogues_seen / max(self.total_dialogues, 1), 1),
            f"{self.dialogues_seen:,} / {self.total_dialogues:,} dialogues",
        )

    def _batch(
        self, chunk: "_Chunk", analysis: "Future[ChunkAnalysis] | None", writers: dict[str, SplitWriter]
    ) -> Iterator[None]:
        """Curate and write whole dialogues: per-turn steps on columns, per-dialogue steps in Python.

        A generator: it pauses once, after handing the chunk's turns to the curation thread, so the
        caller can finish the previous chunk meanwhile.
        """
        pending = self.near.submit(self._curate_turns, chunk.turns, chunk.turn_dialogue, chunk.count, analysis)
        yield
        curated = pending.result()
        self.curation["empty_turns"] += curated.empty
        self.curation["near_duplicate_turns"] += curated.near_duplicates
        kept_dialogue = chunk.turn_dialogue[curated.kept]
        kept_counts = np.bincount(kept_dialogue, minlength=chunk.count)
        segments = _segments(curated, kept_dialogue, chunk.count)
        reaching = self._reaching(chunk, curated, kept_counts)
        exchange = exchanges(segments)
        for step, removed in (
            ("unanswered_last_messages", int((reaching & exchange.unanswered).sum())),
            ("dialogues_without_exchange", int((reaching & (exchange.pairs == 0)).sum())),
        ):
            if removed:  # counted per dialogue: a step that removed nothing has no entry
                self.curation[step] += removed
        written = reaching & (exchange.pairs > 0)
        for index in np.flatnonzero(reaching & ~exchange.greeting_segment).tolist():
            # The character's own greeting stands in; its personal data is counted at each use.
            self._cleaned(self.characters[chunk.head["character_id"][index]].greeting)
        examples_per_dialogue = self._write_examples(chunk, segments, exchange, written, writers)
        self._count_written(chunk, written, kept_counts, examples_per_dialogue)
        self._write_turns(chunk, curated, curated.kept[written[kept_dialogue]], writers)

    def _chunk(self, dialogues: pa.Table, turns: pa.Table) -> "_Chunk | None":
        """The chunk's dialogues against the split plan, and the turns of those in it."""
        count = dialogues.num_rows
        if not count:
            return None
        head = {name: dialogues.column(name).to_pylist() for name in _DIALOGUE_FIELDS}
        splits = [self.split_of.get(character_id) for character_id in head["character_id"]]
        known = np.array([split is not None for split in splits], dtype=bool)
        # Position in SPLITS; len(SPLITS) for a dialogue outside the split plan.
        split_codes = np.array([SPLITS.index(split) if split else len(SPLITS) for split in splits])
        self.dialogues_seen += count
        # The character's dialogues changed while the build ran: not in the split plan.
        self.curation["dialogues_changed_during_build"] += int(count - known.sum())
        # Each turn's dialogue (a turn whose dialogue left the selection between the two reads is skipped).
        dialogue_ids = dialogues.column("dialogue_id").to_numpy()
        turn_ids = column_array(turns, "dialogue_id").to_numpy()
        row_dialogue = np.minimum(np.searchsorted(dialogue_ids, turn_ids), count - 1)
        matched = dialogue_ids[row_dialogue] == turn_ids
        self.turns_seen += int(matched.sum())
        selected = np.flatnonzero(matched & known[row_dialogue])
        if len(selected) < turns.num_rows:
            turns = turns.take(selected)
        return _Chunk(
            dialogues=dialogues,
            turns=turns,
            count=count,
            head=head,
            splits=splits,
            split_codes=split_codes,
            turn_dialogue=row_dialogue[selected],
        )

    def _reaching(self, chunk: "_Chunk", curated: "_CuratedTurns", kept_counts: np.ndarray) -> np.ndarray:
        """Per dialogue in Python: in the split plan, long enough, not an exact duplicate."""
        reaching = np.zeros(chunk.count, dtype=bool)
        min_turns = self.spec["min_turns"]
        counts = kept_counts.tolist()
        splits, key_offsets, key_bytes = chunk.splits, curated.key_offsets, curated.key_bytes
        for index in range(chunk.count):
            if splits[index] is None:
                continue
            if counts[index] < min_turns:
                self.curation["dialogues_below_min_turns"] += 1
                continue
            key = xxhash.xxh3_128_digest(key_bytes[key_offsets[index] : key_offsets[index + 1]])
            if key in self.seen_digests:
                self.curation["duplicate_dialogues"] += 1
                continue
            self.seen_digests.add(key)
            reaching[index] = True
        return reaching

    def _write_examples(
        self,
        chunk: "_Chunk",
        segments: ChunkDialogues,
        exchange: Exchanges,
        written: np.ndarray,
        writers: dict[str, SplitWriter],
    ) -> np.ndarray:
        """Write the chat examples of the ``written`` dialogues; returns each dialogue's number of examples."""
        if not written.any():
            return np.zeros(chunk.count, dtype=np.int64)
        # The examples split by split (in dialogue order inside each), so each split's lines are one block.
        split_codes = chunk.split_codes
        rows = np.flatnonzero(written)
        heads = self._example_heads(chunk.head, rows[np.argsort(split_codes[rows], kind="stable")])
        # One chunk's lines at a time: the previous chunk's are handed to the writers first.
        self._wait_for_examples()
        self._examples_pending = self.example_thread.submit(
            write_example_lines, segments, exchange, heads, split_codes, writers
        )
        return np.bincount(heads.dialogue, minlength=chunk.count)

    def _wait_for_examples(self) -> None:
        if self._examples_pending is not None:
            pending, self._examples_pending = self._examples_pending, None
            pending.result()

    def _write_turns(
        self, chunk: "_Chunk", curated: "_CuratedTurns", rows_out: np.ndarray, writers: dict[str, SplitWriter]
    ) -> None:
        """The kept turns of the written dialogues (``rows_out``), one Parquet table per split: rows in
        split order, so each split's table is a slice."""
        if not rows_out.size:
            return
        head, dialogues, split_codes, turn_dialogue = (
            chunk.head,
            chunk.dialogues,
            chunk.split_codes,
            chunk.turn_dialogue,
        )
        rows_out = rows_out[np.argsort(split_codes[turn_dialogue[rows_out]], kind="stable")]
        split_bounds = np.searchsorted(split_codes[turn_dialogue[rows_out]], np.arange(len(SPLITS) + 1))
        out_dialogue = pa.array(turn_dialogue[rows_out])
        character_of = [self.characters.get(character_id) for character_id in head["character_id"]]
        per_dialogue = {
            "split": chunk.splits,
            "character": [c.name if c else None for c in character_of],
            "category": [c.category if c else None for c in character_of],
            "model_generation": [self.models.get(m, (None, None))[1] for m in head["model_version_id"]],
            "dialogue_created_at": [iso_timestamp(value) for value in head["created_at"]],
            "character_worker": [self._pseudonym(u) for u in dialogues.column("character_worker_id").to_pylist()],
            "player_worker": [self._pseudonym(u) for u in dialogues.column("player_worker_id").to_pylist()],
        }
        columns = {
            name: pa.array(values, type=TURN_SCHEMA.field(name).type).take(out_dialogue)
            for name, values in per_dialogue.items()
        }
        for name in _DIALOGUE_COLUMNS_OUT:
            columns[name] = column_array(dialogues, name).take(out_dialogue)
        chosen = chunk.turns.select(["dialogue_id", "seq", "speaker", "author_user_id", "author_model_id"]).take(
            rows_out
        )
        columns |= {
            "dialogue_id": column_array(chosen, "dialogue_id"),
            "seq": column_array(chosen, "seq"),
            "speaker": column_array(chosen, "speaker"),
            "text": curated.texts.take(rows_out),
            "original_text": curated.originals.take(rows_out),
            "pii_replacements": pa.array(curated.replaced[rows_out]),
            "author_worker": self._pseudonym_column(column_array(chosen, "author_user_id")),
            "author_model": self._model_name_column(column_array(chosen, "author_model_id")),
        }
        out = pa.Table.from_arrays([columns[field.name].cast(field.type) for field in TURN_SCHEMA], schema=TURN_SCHEMA)
        for position, split in enumerate(SPLITS):
            start, stop = int(split_bounds[position]), int(split_bounds[position + 1])
            if stop > start:
                writers[split].write_turns(out.slice(start, stop - start))

    def _curate_turns(
        self, turns: pa.Table, turn_dialogue: np.ndarray, count: int, analysis: "Future[ChunkAnalysis] | None"
    ) -> "_CuratedTurns":
        """The per-turn steps of one chunk, on the curation thread."""
        texts, originals = column_array(turns, "text"), column_array(turns, "original_text")
        # Scrubbing keeps a text blank or not, and puts only ASCII placeholders in ("[PHONE_1]"): one
        # scan serves the blank and near-duplicate steps.
        scan = scan_texts(texts)
        replaced = np.zeros(len(turns), dtype=np.int32)
        if self.scrub:
            texts, originals, replaced = scrub_turns(texts, originals, self.pii, turn_dialogue, analysis)
        blank = scan.blank
        speakers = column_array(turns, "speaker")
        encoded = pc.dictionary_encode(speakers)
        speaker_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        present = np.flatnonzero(~blank)
        groups = turn_dialogue[present] * max(len(encoded.dictionary), 1) + speaker_codes[present]
        near = near_duplicate_mask(
            texts.take(present) if len(present) < len(texts) else texts,
            groups,
            self.threshold,
            cased=scan.cased[present],
        )
        kept = present[~near]
        # Per dialogue, the kept turns as "speaker\x1ftext" joined by "\x1e": the exact-duplicate key.
        kept_dialogue = turn_dialogue[kept]
        dialogue_offsets = pa.array(np.searchsorted(kept_dialogue, np.arange(count + 1)), type=pa.int32())
        keys = pc.binary_join(
            pa.ListArray.from_arrays(
                dialogue_offsets, pc.binary_join_element_wise(speakers.take(kept), texts.take(kept), "\x1f")
            ),
            "\x1e",
        )
        key_bytes, key_offsets = string_buffers(keys)
        return _CuratedTurns(
            texts=texts,
            originals=originals,
            replaced=replaced,
            speakers=speakers,
            speaker_codes=speaker_codes,
            kept=kept,
            empty=int(blank.sum()),
            near_duplicates=int(near.sum()),
            key_offsets=key_offsets.tolist(),
            key_bytes=memoryview(key_bytes),
        )

    def _count_written(
        self, chunk: "_Chunk", written: np.ndarray, kept_counts: np.ndarray, examples: np.ndarray
    ) -> None:
        """The statistics of the dialogues written from one chunk (``examples``: each one's lines per file)."""
        rows = np.flatnonzero(written)
        characters = np.asarray(chunk.head["character_id"], dtype=np.int64)[rows]
        self.written.add(
            split_codes=chunk.split_codes[rows],
            characters=characters,
            category_of=self.category_of,
            sources=column_array(chunk.dialogues, "source").take(pa.array(rows)),
            turns=kept_counts[rows],
            examples=examples[rows],
        )

    def _pseudonym_column(self, ids: pa.Array) -> pa.Array:
        distinct = pc.unique(ids)
        names = pa.array([self._pseudonym(value) for value in distinct.to_pylist()], type=pa.string())
        return names.take(pc.index_in(ids, value_set=distinct, skip_nulls=False))

    def _model_name_column(self, ids: pa.Array) -> pa.Array:
        distinct = pc.unique(ids)
        names = [self.models[value][0] if value in self.models else None for value in distinct.to_pylist()]
        return pa.array(names, type=pa.string()).take(pc.index_in(ids, value_set=distinct, skip_nulls=False))

    def _example_heads(self, head: dict, rows: np.ndarray) -> ExampleHeads:
        """What each example of the written dialogues ``rows`` says besides the dialogue's segments."""
        dialogue, ids, session_meta, system_prefix, greeting_label, fallback = [], [], [], [], [], []
        draw = self.spec["prompt_mode"] == PromptMode.DRAW
        character_ids, dialogue_ids = head["character_id"], head["dialogue_id"]
        persona_names, persona_descriptions = head["persona_name"], head["persona_description"]
        for index in rows.tolist():
            persona_name = persona_names[index]
            if persona_name is not None:
                self._cleaned(persona_descriptions[index])  # counted at every use, as before
            options = self._options(character_ids[index], persona_name, persona_descriptions[index])
            if draw and len(options) > 1:
                digest = hashlib.sha256(f"{self.spec['seed']}:{dialogue_ids[index]}".encode()).hexdigest()
                options = [options[int(digest, 16) % len(options)]]
            for kind, meta, prefix, label, greeting in options:
                dialogue.append(index)
                ids.append(f'"{dialogue_ids[index]}:{kind}"')
                session_meta.append(meta)
                system_prefix.append(prefix)
                greeting_label.append(label)
                fallback.append(greeting)
        return ExampleHeads(
            dialogue=np.array(dialogue, dtype=np.int64),
            ids=ids,
            session_meta=session_meta,
            system_prefix=system_prefix,
            greeting_label=greeting_label,
            fallback_greeting=fallback,
        )

    def _options(
        self, character_id: int, persona_name: str | None, persona_description: str | None
    ) -> list[tuple[str, str, str, str, str]]:
        """Per prompt variant of a character talking to a persona: (kind, session_meta JSON, system
        message up to the greeting sentence, the greeting sentence's beginning, the character's own
        greeting), as ``session_meta_for`` and the system message describe them."""
        key = (character_id, persona_name, persona_description)
        known = self._character_examples.get(key)
        if known is not None:
            return known
        character = self.characters[character_id]
        labels = _LABELS.get(character.language, _LABELS["en"])
        if persona_name is not None:
            user_name, user_info = persona_name, self._scrubbed(persona_description)[0]
        else:
            user_name, user_info = ("用户" if character.language == "zh-hans" else "User"), ""
        user_sentence = "\n" + labels["user"].format(name=user_name, info=user_info) if user_info else ""
        # SessionMeta.as_dict(), keys sorted as orjson sorts them.
        meta_tail = (
            f',"bot_name":{json_literal(character.name)},"user_info":{json_literal(user_info)},'
            f'"user_name":{json_literal(user_name)}}}'
        )
        greeting_label = labels["greeting"].format(name=character.name, greeting="")
        greeting = self._scrubbed(character.greeting)[0] if character.greeting else ""
        known = self._character_examples[key] = []
        for kind, prompt in self.prompt_options[character_id]:
            if json_literal(kind) != f'"{kind}"':
                raise ValueError(f"A prompt kind to write as is in an example id: {kind!r}")
            meta = f'{{"bot_info":{json_literal(prompt)}{meta_tail}'
            known.append((kind, meta, prompt + user_sentence, greeting_label, greeting))
        return known

    def _stats(self) -> dict:
        splits = self.written.splits()
        return {
            "input": {"dialogues": self.dialogues_seen, "turns": self.turns_seen},
            "splits": splits,
            "dialogues": sum(info["dialogues"] for info in splits.values()),
            "turns": sum(info["turns"] for info in splits.values()),
            "by_source": dict(sorted(self.written.by_source.items())),
            "by_category": dict(sorted(self.written.by_category.items())),
            "curation": dict(sorted(self.curation.items())),
            "pii_replacements": {kind: self.pii.get(kind, 0) for kind in PII_KINDS},
            "turns_per_dialogue": {str(n): count for n, count in sorted(self.written.turns_per_dialogue.items())},
            "split_warnings": split_warnings(splits, {split: float(self.spec[f"{split}_ratio"]) for split in SPLITS}),
        }
