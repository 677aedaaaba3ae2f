"""Export specs and builds: every write of the exports app happens here.

A build streams the selected dialogues with their turns as Arrow tables of whole dialogues
(``turn_stream``: chunks of consecutive dialogues; on PostgreSQL through COPY), and works on three
threads: the reader fetches the next chunk, the curation thread runs the per-turn steps on a chunk
(``batch_curation``: personal data, empty and near-duplicate turns, compiled or in Arrow, mostly
without the GIL), and this thread decides per dialogue (split plan, minimum length, exact
duplicates) and writes the chat examples (``examples``, built in columns) and the Parquet rows (on
the writers' own thread). What it keeps in memory is two chunks, one Parquet row group per split,
the characters (for the split), and one 16-byte hash per kept dialogue (for exact-duplicate
detection).
"""

import datetime as dt
import hashlib
import importlib
import json
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from exports import examples
from exports.batch_curation import near_duplicate_mask, scan_texts, scrub_column, string_buffers, warm_up
from exports.curation import scrub_personal_data, worker_hash
from exports.examples import ChunkDialogues, ExampleHeads, example_lines, exchanges, json_literal, lines_block
from exports.models import SPLITS, BuildStatus, ExportBuild, ExportSpec, PromptMode
from exports.turn_stream import dialogue_tables
from exports.writers import (
    TURN_SCHEMA,
    SplitWriter,
    dataset_info,
    datasheet_markdown,
    dumps,
    histogram_png,
    sha256_file,
)
from platform_core.progress import progress_publish
from platform_core.services import audit_record
from roleplay.models import (
    Character,
    CharacterPrompt,
    Dialogue,
    DialogueSource,
    PromptKind,
    ReviewStatus,
    Speaker,
)
from roleplay.prompting import profile_text
from training.models import ModelVersion

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
# Files whose bytes depend only on the spec and the data; manifest.json and DATASHEET.md also
# carry the version number and build time, so they are outside the determinism claim.
NON_DATA_FILES = ("manifest.json", "DATASHEET.md")

# Fields a spec may set, in the order a YAML file or a form lists them.
SPEC_FIELDS = (
    "name",
    "description",
    "sources",
    "categories",
    "languages",
    "statuses",
    "min_turns",
    "min_quality",
    "date_from",
    "date_to",
    "model_generation_min",
    "model_generation_max",
    "prompt_variants",
    "prompt_mode",
    "train_ratio",
    "validation_ratio",
    "test_ratio",
    "seed",
    "near_duplicate_threshold",
    "scrub_personal_data",
    "include_evaluation",
)
LIST_FIELDS = ("sources", "categories", "languages", "statuses", "prompt_variants")


# --- Specs -----------------------------------------------------------------------------------


def _normalise_spec_data(data: Any) -> dict:
    """Accept a ``split: {train, validation, test}`` mapping and single strings for list fields."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["A spec is a mapping of field names to values."]})
    data = dict(data)
    split = data.pop("split", None)
    if split is not None:
        if not isinstance(split, dict) or set(split) - set(SPLITS):
            raise ValidationError({"split": [f"Give the split as a mapping with keys {', '.join(SPLITS)}."]})
        for name, value in split.items():
            data[f"{name}_ratio"] = value
    unknown = sorted(str(key) for key in data if key not in SPEC_FIELDS)
    if unknown:
        raise ValidationError(
            {key: [f"Unknown field; a spec has {', '.join(SPEC_FIELDS)} (and split)."] for key in unknown}
        )
    for field in LIST_FIELDS:
        if isinstance(data.get(field), str):
            data[field] = [data[field]]
    return data


def export_spec_build_unsaved(*, data: dict, created_by=None) -> ExportSpec:
    """An unsaved, fully validated spec; ``ValidationError`` names each bad field."""
    data = _normalise_spec_data(data)
    spec = ExportSpec(created_by=created_by)
    errors: dict[str, list[str]] = {}
    for field_name, value in data.items():
        field = ExportSpec._meta.get_field(field_name)
        try:
            setattr(spec, field.attname, field.clean(value, spec) if value is not None else None)
        except ValidationError as error:
            errors[field_name] = error.messages
        except (TypeError, ValueError) as error:
            errors[field_name] = [str(error)]
    if errors:
        raise ValidationError(errors)
    if not spec.name:
        spec.name = "corpus"
    spec.full_clean(exclude=["created_by"])
    return spec


def export_spec_create(*, data: dict, created_by=None) -> ExportSpec:
    spec = export_spec_build_unsaved(data=data, created_by=created_by)
    spec.save()
    return spec


def export_spec_parse_yaml(text: str) -> dict:
    """The mapping in a YAML spec file; a syntax error becomes a ``ValidationError`` with its line."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ValidationError({"__all__": [f"Not valid YAML{where}: {getattr(error, 'problem', error)}"]}) from error
    if data is None:
        data = {}
    return _normalise_spec_data(data)


def export_spec_from_yaml(*, text: str, created_by=None, default_name: str = "corpus") -> ExportSpec:
    data = export_spec_parse_yaml(text)
    data.setdefault("name", default_name)
    return export_spec_create(data=data, created_by=created_by)


def spec_snapshot(spec: ExportSpec) -> dict:
    snapshot = {}
    for name in SPEC_FIELDS:
        value = getattr(spec, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        snapshot[name] = value
    snapshot["spec_id"] = spec.pk
    return snapshot


def error_lines(error: ValidationError) -> list[str]:
    """``field: message`` lines for a command-line user."""
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


# --- Builds: requesting, re-running, downloads ------------------------------------------------


def export_build_create(*, spec: ExportSpec, creator=None, enqueue: bool = True) -> ExportBuild:
    """Queue a build of ``spec``; the Celery task starts once the transaction commits."""
    build = ExportBuild.objects.create(spec=spec, spec_snapshot=spec_snapshot(spec), creator=creator)
    audit_record(actor=creator, action="export.build_requested", target=build, details={"spec": spec.pk})
    if enqueue:
        _enqueue(build)
    return build


def _enqueue(build: ExportBuild) -> None:
    from exports.tasks import export_build_task

    transaction.on_commit(lambda: export_build_task.delay(build.pk))


def export_build_retry(*, build: ExportBuild, actor=None) -> ExportBuild:
    """Queue a failed or killed build again; published builds are immutable and never re-run."""
    if not (build.status == BuildStatus.FAILED or build.is_stale):
        raise ValidationError({"status": ["Only a failed (or killed) build can be re-run."]})
    build.status = BuildStatus.QUEUED
    build.progress = 0
    build.progress_message = ""
    build.error = ""
    build.save(update_fields=["status", "progress", "progress_message", "error"])
    audit_record(actor=actor, action="export.build_retried", target=build)
    _enqueue(build)
    return build


def export_download_record(*, build: ExportBuild, actor, path: str) -> None:
    audit_record(actor=actor, action="export.download", target=build, details={"path": path, "version": build.version})


# --- Builds: running --------------------------------------------------------------------------


def default_build_directory(build: ExportBuild) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / f"build-{build.pk}"


@cache
def code_version() -> str:
    if version := os.environ.get("TROUPE_CODE_VERSION"):
        return version
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5, check=True
        )
        return result.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def export_build_run(
    *, build: ExportBuild, out_dir: Path | None = None, on_progress: Callable[[float, str], None] | None = None
) -> ExportBuild:
    """Build, then publish atomically. A failure leaves nothing published and the build ``failed``.

    ``out_dir`` (the management command's ``--out``) must not exist or be empty; by default the
    build is published under ``MEDIA_ROOT/exports/build-<id>/``.
    """
    build.refresh_from_db()
    if build.status == BuildStatus.PUBLISHED:
        return build  # a redelivered task: the build already exists, immutable
    # Claim the build, so a redelivered task never runs beside a live one.
    claimable = Q(status__in=[BuildStatus.QUEUED, BuildStatus.FAILED])
    if build.is_stale:
        claimable |= Q(status=BuildStatus.RUNNING)
    now = timezone.now()
    claimed = ExportBuild.objects.filter(claimable, pk=build.pk).update(
        status=BuildStatus.RUNNING,
        progress=0,
        progress_message="",
        error="",
        started_at=now,
        heartbeat_at=now,
    )
    build.refresh_from_db()
    if not claimed:
        logger.warning("Export build #%s is %s elsewhere; not running it again.", build.pk, build.status)
        return build
    final = Path(out_dir).resolve() if out_dir else default_build_directory(build)
    if final.exists() and any(final.iterdir()):
        if out_dir:
            raise ValidationError({"out": [f"{final} exists and is not empty."]})
        # Left by a process killed between the rename and the commit: never published in the database.
        shutil.rmtree(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(f".tmp-{final.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)  # a killed earlier attempt
    temporary = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"

    reporter = _ProgressReporter(build, on_progress)
    try:
        temporary.mkdir()
        result = _CorpusBuilder(build.spec_snapshot, reporter).run(temporary)
        _publish(build=build, temporary=temporary, final=final, result=result)
    except BaseException as error:
        shutil.rmtree(temporary, ignore_errors=True)
        committed = ExportBuild.objects.filter(pk=build.pk, status=BuildStatus.PUBLISHED).exists()
        if not committed and final.exists() and not out_dir:
            shutil.rmtree(final, ignore_errors=True)  # renamed, but the commit did not happen
        message = f"{type(error).__name__}: {error}"
        ExportBuild.objects.filter(pk=build.pk).exclude(status=BuildStatus.PUBLISHED).update(
            status=BuildStatus.FAILED, error=message[:5000], finished_at=timezone.now()
        )
        audit_record(actor=build.creator, action="export.build_failed", target=build, details={"error": message[:500]})
        logger.exception("Export build #%s failed", build.pk)
        try:
            reporter.report(reporter.last_percent, f"failed: {message}"[:200], force=True, keep_row=True)
        except Exception:  # the database may be what failed; the build row already says so
            logger.warning("Could not report the failure of export build #%s", build.pk)
        if not isinstance(error, Exception):
            raise  # KeyboardInterrupt, SystemExit: stop after recording
    build.refresh_from_db()
    if build.is_published:
        reporter.report(100, "published", force=True)
    return build


class _ProgressReporter:
    """Live progress: the channel layer (browsers), the build row (page loads, API), a callback (CLI)."""

    def __init__(self, build: ExportBuild, callback: Callable[[float, str], None] | None) -> None:
        self.build = build
        self.callback = callback
        self._last_time = 0.0
        self._last_percent = -1.0
        self._channel_ok = True

    @property
    def last_percent(self) -> float:
        return max(self._last_percent, 0.0)

    def report(self, percent: float, message: str, *, force: bool = False, keep_row: bool = False) -> None:
        percent = max(0.0, min(100.0, percent))
        if self.callback:
            self.callback(percent, message)
        now = time.monotonic()
        if not force and (percent - self._last_percent < 1 and now - self._last_time < 2):
            return
        self._last_time, self._last_percent = now, percent
        if not keep_row:
            ExportBuild.objects.filter(pk=self.build.pk).update(
                progress=round(percent, 1), progress_message=message[:200], heartbeat_at=timezone.now()
            )
        if self._channel_ok:
            try:
                progress_publish(topic=self.build.progress_topic, percent=percent, message=message)
            except Exception:  # no channel layer (e.g. CLI without Redis): the build goes on
                self._channel_ok = False
                logger.warning("Progress for export build #%s is not pushed live: no channel layer.", self.build.pk)


def assign_splits(characters: dict[int, tuple[str, str, int]], ratios: dict[str, float], seed: int) -> dict[int, str]:
    """Character-disjoint split, stratified by (category, main source), deterministic for ``seed``.

    ``characters`` maps id -> (category, source, dialogue count). Inside each stratum characters
    are taken in a seeded pseudo-random order and each goes to the split furthest below its share
    of the stratum's dialogues so far.
    """
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for character_id, (category, source, _weight) in characters.items():
        strata[(category, source)].append(character_id)
    assignment = {}
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda cid: hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest())
        totals = dict.fromkeys(SPLITS, 0)
        seen = 0
        for character_id in members:
            weight = characters[character_id][2]
            seen += weight
            # Highest deficit wins; ties go to the earlier split (train before validation before test).
            split = max(SPLITS, key=lambda s: (ratios[s] * seen - totals[s], -SPLITS.index(s)))
            totals[split] += weight
            assignment[character_id] = split
    return assignment


def dialogue_queryset(spec: dict):
    """The dialogues a spec selects (before curation)."""
    dialogues = Dialogue.objects.filter(status__in=spec["statuses"])
    if not spec.get("include_evaluation"):
        dialogues = dialogues.filter(evaluation_assignment__isnull=True)  # evaluation sessions are test data
    if spec.get("sources"):
        dialogues = dialogues.filter(source__in=spec["sources"])
    if spec.get("categories"):
        dialogues = dialogues.filter(character__category__in=spec["categories"])
    if spec.get("languages"):
        dialogues = dialogues.filter(language__in=spec["languages"])
    if spec.get("min_quality") is not None:
        dialogues = dialogues.filter(quality_rating__gte=spec["min_quality"])
    if spec.get("date_from"):
        dialogues = dialogues.filter(created_at__date__gte=dt.date.fromisoformat(spec["date_from"]))
    if spec.get("date_to"):
        dialogues = dialogues.filter(created_at__date__lte=dt.date.fromisoformat(spec["date_to"]))
    generation = Q()
    if spec.get("model_generation_min") is not None:
        generation &= Q(model_version__generation__gte=spec["model_generation_min"])
    if spec.get("model_generation_max") is not None:
        generation &= Q(model_version__generation__lte=spec["model_generation_max"])
    if generation:
        dialogues = dialogues.filter(~Q(source=DialogueSource.HUMAN_MACHINE) | generation)
    return dialogues.order_by()


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
_DIALOGUE_COLUMNS_OUT = (
    "character_id",
    "source",
    "language",
    "topic",
    "topic_kind",
    "quality_rating",
    "synthesis_batch_id",
    "literary_work_id",
    "literary_chapter",
)
# Per-dialogue fields of a ``dialogue_tables`` row, read once per dialogue.
_DIALOGUE_FIELDS = (
    "dialogue_id",
    "character_id",
    "source",
    "model_version_id",
    "created_at",
    "persona_name",
    "persona_description",
)


def _array(table: pa.Table, name: str) -> pa.Array:
    """A column of a single-chunk table (``combine_chunks``) as one array."""
    column = table.column(name)
    return column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(column.chunks)


def _iso_timestamp(value: str | None) -> str | None:
    """ISO 8601 in UTC, as ``datetime.isoformat()`` writes it, from PostgreSQL's text or ISO 8601."""
    if not value:
        return None
    # PostgreSQL's text for a UTC timestamptz, "YYYY-MM-DD HH:MM:SS[.ffffff]+00", rewritten without
    # parsing (it prints no fraction for whole seconds and drops trailing zeros; isoformat likewise
    # prints none, or all six digits).
    if value.endswith("+00") and len(value) >= 22 and value[4] == "-" and value[10] == " " and value[19] in ".+":
        fraction = value[19:-3]
        return f"{value[:10]}T{value[11:19]}{fraction.ljust(7, '0') if fraction else ''}+00:00"
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()


class _CorpusBuilder:
    def __init__(self, spec: dict, reporter: _ProgressReporter) -> None:
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
        self.turns_per_dialogue: Counter = Counter()
        self.split_stats = {split: Counter() for split in SPLITS}
        self.split_characters: dict[str, set[int]] = {split: set() for split in SPLITS}
        self.by_source: Counter = Counter()
        self.by_category: Counter = Counter()
        self.by_split_source: Counter = Counter()
        self.by_split_category: Counter = Counter()
        self._pseudonyms: dict[int | None, str] = {}
        self.dialogues_seen = 0
        self.turns_seen = 0
        self.total_dialogues = 0

    # -- preparation: characters, prompts, splits
    def _prepare(self) -> None:
        spec = self.spec
        dialogues = dialogue_queryset(spec)
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
        self.dialogues = dialogues

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
        self._prepare()
        writers = {split: SplitWriter(directory / split) for split in SPLITS}
        # A chunk's turns are curated (personal data, empty and near-duplicate turns: Arrow and
        # compiled code, mostly without the GIL) on this thread while the previous chunk's
        # dialogues are written. It loads the datasheet's plotting library while the first chunk
        # is read.
        self.near = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-curation")
        self.near.submit(importlib.import_module, "matplotlib.figure")
        self.near.submit(warm_up)
        self.near.submit(examples.warm_up)
        try:
            pending: Iterator[None] | None = None
            for dialogues, turns in dialogue_tables(self.dialogues):
                stage = self._batch(dialogues.combine_chunks(), turns.combine_chunks(), writers)
                started = next(stage, "done") is None
                if pending is not None:
                    self._finish(pending)
                pending = stage if started else None
            if pending is not None:
                self._finish(pending)
        except BaseException:
            for writer in writers.values():
                writer.abort()
            raise
        finally:
            self.near.shutdown(wait=True, cancel_futures=True)
        for writer in writers.values():
            writer.close()
        self.reporter.report(96, "writing datasheet")
        (directory / "dataset_info.json").write_text(dumps(dataset_info(SPLITS)) + "\n", encoding="utf-8")
        histogram_png(directory / "turns_per_dialogue.png", self.turns_per_dialogue)
        return self._stats()

    def _finish(self, stage: Iterator[None]) -> None:
        for _step in stage:
            pass
        self.reporter.report(
            95 * min(self.dialogues_seen / max(self.total_dialogues, 1), 1),
            f"{self.dialogues_seen:,} / {self.total_dialogues:,} dialogues",
        )

    def _batch(self, dialogues: pa.Table, turns: pa.Table, writers: dict[str, SplitWriter]) -> Iterator[None]:
        """Curate and write whole dialogues: per-turn steps on columns, per-dialogue steps in Python.

        A generator: it pauses once, after handing the chunk's turns to the curation thread, so the
        caller can finish the previous chunk meanwhile.
        """
        count = dialogues.num_rows
        if not count:
            return
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
        turn_ids = _array(turns, "dialogue_id").to_numpy()
        row_dialogue = np.minimum(np.searchsorted(dialogue_ids, turn_ids), count - 1)
        matched = dialogue_ids[row_dialogue] == turn_ids
        self.turns_seen += int(matched.sum())
        selected = np.flatnonzero(matched & known[row_dialogue])
        if len(selected) < turns.num_rows:
            turns = turns.take(selected)
        turn_dialogue = row_dialogue[selected]
        pending = self.near.submit(self._curate_turns, turns, turn_dialogue, count)
        yield
        curated = pending.result()
        self.curation["empty_turns"] += curated.empty
        self.curation["near_duplicate_turns"] += curated.near_duplicates
        texts, speakers, speaker_codes, kept = curated.texts, curated.speakers, curated.speaker_codes, curated.kept
        kept_dialogue = turn_dialogue[kept]
        kept_counts = np.bincount(kept_dialogue, minlength=count)
        kept_texts, kept_speakers = texts.take(kept), speakers.take(kept)
        # Consecutive turns of one speaker become one message: chat formats alternate roles.
        kept_codes = speaker_codes[kept]
        segment_first = np.flatnonzero(
            np.r_[True, (kept_dialogue[1:] != kept_dialogue[:-1]) | (kept_codes[1:] != kept_codes[:-1])]
        )[: len(kept)]
        chunk = ChunkDialogues(
            segments=pc.binary_join(
                pa.ListArray.from_arrays(pa.array(np.r_[segment_first, len(kept)], type=pa.int32()), kept_texts), "\n"
            ),
            segment_is_character=pc.equal(kept_speakers.take(pa.array(segment_first)), Speaker.CHARACTER.value)
            .to_numpy(zero_copy_only=False)
            .astype(bool),
            bounds=np.searchsorted(kept_dialogue[segment_first], np.arange(count + 1)),
        )
        key_offsets, key_bytes = curated.key_offsets, curated.key_bytes

        # Per dialogue in Python: the split plan, the minimum length, exact duplicates.
        reaching = np.zeros(count, dtype=bool)
        min_turns = self.spec["min_turns"]
        counts = kept_counts.tolist()
        for index in range(count):
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
        exchange = exchanges(chunk)
        for step, removed in (
            ("unanswered_last_messages", int((reaching & exchange.unanswered).sum())),
            ("dialogues_without_exchange", int((reaching & (exchange.pairs == 0)).sum())),
        ):
            if removed:  # counted per dialogue: a step that removed nothing has no entry
                self.curation[step] += removed
        written = reaching & (exchange.pairs > 0)
        for index in np.flatnonzero(reaching & ~exchange.greeting_segment).tolist():
            # The character's own greeting stands in; its personal data is counted at each use.
            self._cleaned(self.characters[head["character_id"][index]].greeting)
        examples_per_dialogue = np.zeros(count, dtype=np.int64)
        if written.any():
            # The examples split by split (in dialogue order inside each), so each split's lines
            # are one block.
            rows = np.flatnonzero(written)
            heads = self._example_heads(head, rows[np.argsort(split_codes[rows], kind="stable")])
            characterglm, messages = example_lines(chunk, exchange, heads)
            examples_per_dialogue = np.bincount(heads.dialogue, minlength=count)
            bounds = np.searchsorted(split_codes[heads.dialogue], np.arange(len(SPLITS) + 1)).tolist()
            for position, split in enumerate(SPLITS):
                if bounds[position + 1] > bounds[position]:
                    writers[split].write_characterglm_lines(
                        lines_block(characterglm, bounds[position], bounds[position + 1])
                    )
                    writers[split].write_messages_lines(lines_block(messages, bounds[position], bounds[position + 1]))
        self._count_written(head, splits, written, kept_counts, examples_per_dialogue)

        # The kept turns of the written dialogues, one Parquet table per split: rows in split order,
        # so each split's table is a slice.
        rows_out = kept[written[kept_dialogue]]
        if not rows_out.size:
            return
        rows_out = rows_out[np.argsort(split_codes[turn_dialogue[rows_out]], kind="stable")]
        split_bounds = np.searchsorted(split_codes[turn_dialogue[rows_out]], np.arange(len(SPLITS) + 1))
        out_dialogue = pa.array(turn_dialogue[rows_out])
        character_of = [self.characters.get(character_id) for character_id in head["character_id"]]
        per_dialogue = {
            "split": splits,
            "character": [c.name if c else None for c in character_of],
            "category": [c.category if c else None for c in character_of],
            "model_generation": [self.models.get(m, (None, None))[1] for m in head["model_version_id"]],
            "dialogue_created_at": [_iso_timestamp(value) for value in head["created_at"]],
            "character_worker": [self._pseudonym(u) for u in dialogues.column("character_worker_id").to_pylist()],
            "player_worker": [self._pseudonym(u) for u in dialogues.column("player_worker_id").to_pylist()],
        }
        columns = {
            name: pa.array(values, type=TURN_SCHEMA.field(name).type).take(out_dialogue)
            for name, values in per_dialogue.items()
        }
        for name in _DIALOGUE_COLUMNS_OUT:
            columns[name] = _array(dialogues, name).take(out_dialogue)
        chosen = turns.select(["dialogue_id", "seq", "speaker", "author_user_id", "author_model_id"]).take(rows_out)
        columns |= {
            "dialogue_id": _array(chosen, "dialogue_id"),
            "seq": _array(chosen, "seq"),
            "speaker": _array(chosen, "speaker"),
            "text": texts.take(rows_out),
            "original_text": curated.originals.take(rows_out),
            "pii_replacements": pa.array(curated.replaced[rows_out]),
            "author_worker": self._pseudonym_column(_array(chosen, "author_user_id")),
            "author_model": self._model_name_column(_array(chosen, "author_model_id")),
        }
        out = pa.Table.from_arrays([columns[field.name].cast(field.type) for field in TURN_SCHEMA], schema=TURN_SCHEMA)
        for position, split in enumerate(SPLITS):
            start, stop = int(split_bounds[position]), int(split_bounds[position + 1])
            if stop > start:
                writers[split].write_turns(out.slice(start, stop - start))

    def _curate_turns(self, turns: pa.Table, turn_dialogue: np.ndarray, count: int) -> "_CuratedTurns":
        """The per-turn steps of one chunk, on the curation thread."""
        texts, originals = _array(turns, "text"), _array(turns, "original_text")
        # Scrubbing keeps a text blank or not, and only puts A-Z in: one scan serves all three steps.
        scan = scan_texts(texts)
        replaced = np.zeros(len(turns), dtype=np.int32)
        if self.scrub:
            texts, replaced = scrub_column(texts, self.pii, scan)
            originals, replaced_in_originals = scrub_column(originals, self.pii)
            replaced += replaced_in_originals
        blank = scan.blank
        speakers = _array(turns, "speaker")
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
        self, head: dict, splits: list, written: np.ndarray, kept_counts: np.ndarray, examples: np.ndarray
    ) -> None:
        """The statistics of the dialogues written from one chunk (``examples``: each one's lines per file)."""
        rows = np.flatnonzero(written).tolist()
        categories = [self.characters[head["character_id"][index]].category for index in rows]
        sources = [head["source"][index] for index in rows]
        row_splits = [splits[index] for index in rows]
        turns = kept_counts[written].tolist()
        for split, lines, turn_count in zip(row_splits, examples[written].tolist(), turns, strict=True):
            stats = self.split_stats[split]
            stats["characterglm_examples"] += lines
            stats["messages_examples"] += lines
            stats["dialogues"] += 1
            stats["turns"] += turn_count
        for split, index in zip(row_splits, rows, strict=True):
            self.split_characters[split].add(head["character_id"][index])
        self.turns_per_dialogue.update(turns)
        self.by_source.update(sources)
        self.by_category.update(categories)
        self.by_split_source.update(zip(row_splits, sources, strict=True))
        self.by_split_category.update(zip(row_splits, categories, strict=True))

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
        splits = {}
        for split in SPLITS:
            info = dict(sorted(self.split_stats[split].items()))
            info.setdefault("dialogues", 0)
            info.setdefault("turns", 0)
            info["characters"] = len(self.split_characters[split])
            info["by_source"] = {s: n for (sp, s), n in sorted(self.by_split_source.items()) if sp == split}
            info["by_category"] = {c: n for (sp, c), n in sorted(self.by_split_category.items()) if sp == split}
            splits[split] = info
        return {
            "input": {"dialogues": self.dialogues_seen, "turns": self.turns_seen},
            "splits": splits,
            "dialogues": sum(info["dialogues"] for info in splits.values()),
            "turns": sum(info["turns"] for info in splits.values()),
            "by_source": dict(sorted(self.by_source.items())),
            "by_category": dict(sorted(self.by_category.items())),
            "curation": dict(sorted(self.curation.items())),
            "pii_replacements": {kind: self.pii.get(kind, 0) for kind in ("email", "id_number", "bank_card", "phone")},
            "turns_per_dialogue": {str(n): count for n, count in sorted(self.turns_per_dialogue.items())},
        }


def _publish(*, build: ExportBuild, temporary: Path, final: Path, result: dict) -> None:
    """Write the manifest and datasheet, take the next version number and rename into place."""
    paths = sorted(path for path in temporary.rglob("*") if path.is_file())
    # hashlib hashes without the GIL: the files are read and hashed side by side.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="export-sha256") as hashing:
        digests = list(hashing.map(sha256_file, paths))
    files = {
        path.relative_to(temporary).as_posix(): {"sha256": digest, "bytes": path.stat().st_size}
        for path, digest in zip(paths, digests, strict=True)
    }
    data_sha256 = hashlib.sha256(
        "".join(f"{name}\0{info['sha256']}\n" for name, info in sorted(files.items())).encode()
    ).hexdigest()
    built_at = timezone.now().replace(microsecond=0)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                version = (ExportBuild.objects.aggregate(top=Max("version"))["top"] or 0) + 1
                datasheet = datasheet_markdown(
                    title=build.spec_snapshot.get("name", "corpus"),
                    version=version,
                    spec=build.spec_snapshot,
                    stats=result,
                    manifest_time=built_at.isoformat(),
                )
                (temporary / "DATASHEET.md").write_text(datasheet, encoding="utf-8")
                all_files = dict(files)
                all_files["DATASHEET.md"] = {
                    "sha256": sha256_file(temporary / "DATASHEET.md"),
                    "bytes": (temporary / "DATASHEET.md").stat().st_size,
                }
                manifest = {
                    "format_version": FORMAT_VERSION,
                    "name": build.spec_snapshot.get("name", "corpus"),
                    "version": version,
                    "build_id": build.pk,
                    "spec": build.spec_snapshot,
                    "counts": result,
                    "files": dict(sorted(all_files.items())),
                    "data_sha256": data_sha256,
                    "deterministic_files": sorted(files),
                    "code_version": code_version(),
                    "creator": build.creator.get_username() if build.creator else None,
                    "created_at": built_at.isoformat(),
                }
                (temporary / "manifest.json").write_text(
                    json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
                )
                total = sum(info["bytes"] for info in all_files.values()) + (temporary / "manifest.json").stat().st_size
                updated = ExportBuild.objects.filter(pk=build.pk, status=BuildStatus.RUNNING).update(
                    status=BuildStatus.PUBLISHED,
                    version=version,
                    directory=str(final),
                    stats=result,
                    files=dict(sorted(all_files.items())),
                    data_sha256=data_sha256,
                    dialogue_count=result["dialogues"],
                    turn_count=result["turns"],
                    total_bytes=total,
                    progress=100,
                    progress_message="published",
                    finished_at=timezone.now(),
                )
                if updated != 1:
                    raise RuntimeError("The build row changed while building; not publishing.")
                audit_record(
                    actor=build.creator,
                    action="export.build",
                    target=build,
                    details={"version": version, "data_sha256": data_sha256, "directory": str(final)},
                )
                if final.exists():
                    final.rmdir()  # an empty --out directory: replaced by the build
                os.rename(temporary, final)  # atomic on one filesystem: all files appear at once
            return
        except IntegrityError:
            continue  # another build took this version number at the same moment
    raise RuntimeError("Could not allocate a version number for the export build.")
