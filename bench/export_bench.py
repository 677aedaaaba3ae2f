"""Export build speed and memory against a PostgreSQL COPY baseline.

    python bench/export_bench.py --dialogues 100000 --json OUT [--double] [--reuse] [--repeat N] [--worker]

Fills its own PostgreSQL database (``--database-url``, default ``exportbench``, created and
migrated when missing; its name must contain "bench") with a synthetic accepted corpus through
COPY: ``--dialogues`` dialogues of 12–28 turns (20 on average), 50 dialogues per character, 1 % of
turns with planted personal data, 0.5 % exact duplicate dialogues. Then, on the same data:

- build: ``manage.py export_corpus --out DIR`` in a child process (all formats, the real path),
  timed, its peak RSS taken from ``wait4``;
- with ``--worker``, also the build as the export page starts it: a task for a Celery worker
  (prefork, as ``make run`` starts it) that is already running, timed from the task's sending to
  the build's publication: the same build without the command's seconds of Python start-up;
- baseline: ``psql -c "COPY (SELECT … the same turns, joined with dialogue and character, in the
  same order …) TO STDOUT" > file``.

``--double`` runs everything again with twice the dialogues, to show whether peak memory is flat.
Prints a table and writes JSON with ``dialogues``, ``turns``, ``build_s``, ``copy_baseline_s``,
``ratio``, ``peak_rss_mb`` (``worker_build_s`` and ``worker_ratio`` with ``--worker``, ``double``
when asked).
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/exportbench"
TURNS_MIN, TURNS_MAX = 12, 28
DIALOGUES_PER_CHARACTER = 50

FRAGMENTS_ZH = [
    "今天的海风有点大",
    "你昨天说的那本书我看完了",
    "灯塔上的灯一直亮着",
    "我们去码头走走吧",
    "这杯茶是用山泉水泡的",
    "你知道星星为什么会眨眼吗",
    "别担心，暴风雨已经过去了",
    "我小时候最喜欢听外婆讲故事",
    "听说明天会有渡船来",
    "你的笑声让我想起了夏天",
    "这首歌我已经听了一百遍",
    "要不要尝尝我做的点心",
]
FRAGMENTS_EN = [
    "the sea is calm this morning",
    "I finished the book you lent me",
    "the lamp kept burning all night",
    "shall we walk down to the harbour",
    "this tea is brewed with spring water",
    "do you know why the stars twinkle",
    "don't worry, the storm has passed",
    "my grandmother used to tell me stories",
    "they say a ferry comes tomorrow",
    "your laugh reminds me of summer",
    "I have played this song a hundred times",
    "would you like to taste my biscuits",
]
PII = ["13812345678", "ann.lee@example.com", "11010519491231002X", "4111 1111 1111 1111", "+44 20 7946 0958"]


def database_name(database_url: str) -> str:
    """The database a URL names (its path, without query parameters)."""
    return database_url.rsplit("/", 1)[-1].split("?", 1)[0]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _row(model, values: dict, connection) -> list:
    """All concrete columns of ``model`` in order: given values, else the field's default."""
    row = []
    for field in model._meta.concrete_fields:
        if field.attname in values:
            value = values[field.attname]
        else:
            value = field.get_default()
            if field.attname == "created_at" or field.attname == "updated_at":
                value = values.get("_now")
        row.append(field.get_db_prep_save(value, connection))
    return row


def _copy(cursor, model, rows, connection) -> None:
    columns = ", ".join(f'"{field.column}"' for field in model._meta.concrete_fields)
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for values in rows:
            copy.write_row(_row(model, values, connection))


def fill(dialogues: int, seed: int = 0) -> int:
    """Replace the corpus with a synthetic one; return the number of turns."""
    from django.db import connection
    from django.utils import timezone

    from annotation.models import LiteraryWork, SynthesisBatch
    from exports.models import ExportBuild, ExportSpec
    from platform_core.models import User
    from roleplay.models import Character, CharacterCategory, Dialogue, PlayerPersona, Turn
    from training.models import ModelVersion

    rng = random.Random(seed)
    now = timezone.now()
    ExportBuild.objects.all().delete()
    ExportSpec.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE roleplay_turn, roleplay_dialogue, roleplay_characterprompt, roleplay_character, "
            "roleplay_playerpersona RESTART IDENTITY CASCADE"
        )
    workers = [User.objects.get_or_create(username=f"bench-worker-{i}")[0].pk for i in range(200)]
    model_versions = [
        ModelVersion.objects.get_or_create(name=f"bench-model-gen{g}", defaults={"base_model": "/m", "generation": g})[
            0
        ].pk
        for g in (1, 2)
    ]
    work = LiteraryWork.objects.get_or_create(title="Bench novel", defaults={"language": "zh-hans"})[0].pk
    batch = SynthesisBatch.objects.get_or_create(name="bench batch", defaults={"llm_model": "gpt-4"})[0].pk
    characters = max(1, dialogues // DIALOGUES_PER_CHARACTER)
    categories = CharacterCategory.values
    raw = connection.connection  # psycopg 3 connection under Django's wrapper
    turns_total = 0
    with raw.cursor() as cursor:
        _copy(
            cursor,
            Character,
            (
                {
                    "id": c + 1,
                    "name": f"角色{c + 1}" if c % 2 == 0 else f"Character {c + 1}",
                    "category": categories[c % len(categories)],
                    "language": "zh-hans" if c % 2 == 0 else "en",
                    "identity": "一位住在海边的灯塔看守人" if c % 2 == 0 else "A lighthouse keeper.",
                    "personality": "温柔" if c % 2 == 0 else "gentle",
                    "greeting": "",
                    "_now": now,
                }
                for c in range(characters)
            ),
            connection,
        )
        _copy(
            cursor,
            PlayerPersona,
            ({"id": p + 1, "name": f"玩家{p + 1}", "description": "一位好奇的旅人", "_now": now} for p in range(100)),
            connection,
        )

        def dialogue_rows():
            for d in range(dialogues):
                character = d % characters
                roll = rng.random()
                source = (
                    "human_roleplay"
                    if roll < 0.6
                    else "llm_synthesis"
                    if roll < 0.85
                    else "literary"
                    if roll < 0.95
                    else "human_machine"
                )
                yield {
                    "id": d + 1,
                    "source": source,
                    "character_id": character + 1,
                    "player_persona_id": d % 100 + 1,
                    "topic": "chat",
                    "topic_kind": "chit_chat",
                    "language": "zh-hans" if character % 2 == 0 else "en",
                    "status": "accepted" if rng.random() < 0.95 else "submitted",
                    "quality_rating": float(rng.randint(3, 5)),
                    "character_worker_id": rng.choice(workers) if source == "human_roleplay" else None,
                    "player_worker_id": rng.choice(workers) if source in ("human_roleplay", "human_machine") else None,
                    "model_version_id": rng.choice(model_versions) if source == "human_machine" else None,
                    "literary_work_id": work if source == "literary" else None,
                    "synthesis_batch_id": batch if source == "llm_synthesis" else None,
                    "_now": now,
                }

        _copy(cursor, Dialogue, dialogue_rows(), connection)

        def turn_rows():
            nonlocal turns_total
            previous: list[str] = []
            turn_id = 0
            for d in range(dialogues):
                zh = (d % characters) % 2 == 0
                fragments = FRAGMENTS_ZH if zh else FRAGMENTS_EN
                joiner = "，" if zh else ", "
                if previous and rng.random() < 0.005:
                    texts = previous  # an exact duplicate of the previous dialogue
                else:
                    texts = []
                    for t in range(rng.randint(TURNS_MIN, TURNS_MAX)):
                        text = joiner.join(rng.sample(fragments, 3)) + f" ({d}.{t})"
                        if rng.random() < 0.01:
                            text += " " + rng.choice(PII)
                        texts.append(text)
                previous = texts
                for seq, text in enumerate(texts, start=1):
                    turn_id += 1
                    yield {
                        "id": turn_id,
                        "dialogue_id": d + 1,
                        "seq": seq,
                        "speaker": "character" if seq % 2 == 1 else "player",
                        "text": text,
                        "original_text": None,
                        "_now": now,
                    }
            turns_total = turn_id

        _copy(cursor, Turn, turn_rows(), connection)
    with connection.cursor() as cursor:
        for table in ("roleplay_character", "roleplay_playerpersona", "roleplay_dialogue", "roleplay_turn"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE roleplay_turn; ANALYZE roleplay_dialogue;")
    return turns_total


BASELINE_SQL = (
    "COPY (SELECT t.dialogue_id, t.seq, t.speaker, t.text, t.original_text, t.author_user_id, t.author_model_id, "
    "d.character_id, c.name, c.category, d.source, d.language, d.topic, d.quality_rating, "
    "d.character_worker_id, d.player_worker_id, d.created_at "
    "FROM roleplay_turn t JOIN roleplay_dialogue d ON d.id = t.dialogue_id "
    "JOIN roleplay_character c ON c.id = d.character_id "
    "WHERE d.status = 'accepted' ORDER BY t.dialogue_id, t.seq) TO STDOUT"
)


def copy_baseline(database_url: str, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with open(out, "wb") as handle:
        subprocess.run(["psql", database_url, "-X", "-q", "-c", BASELINE_SQL], stdout=handle, check=True)
    return time.perf_counter() - started, out.stat().st_size


def timed_build(database_url: str, out: Path) -> tuple[float, float, float, dict]:
    """Run the real command in a child; return (seconds, CPU seconds, peak RSS MiB, manifest)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        # Live progress goes through Redis as in production.
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CHANNEL_LAYER_PREFIX": f"export-bench-{os.getpid()}",
    }
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "export_corpus", "--out", str(out), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    output = child.stdout.read().decode() if child.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export_corpus failed ({status}): {output}")
    manifest = json.loads((out / "manifest.json").read_text())
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, manifest


class ExportWorker:
    """A Celery worker as ``make run`` and docker-compose start one (prefork), consuming a queue of
    its own on the Redis at ``REDIS_URL``, with its builds published under ``media``."""

    def __init__(self, database_url: str, media: Path, log_path: Path) -> None:
        from celery import Celery

        from bench.reply_latency import _wait_for_worker

        broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.queue = f"export-bench-{os.getpid()}"
        self.media = media
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "platform_core.settings",
            "REDIS_URL": broker,
            "CHANNEL_LAYER_PREFIX": self.queue,
            "MEDIA_ROOT": str(media),
        }
        name = f"{self.queue}@bench"
        command = [sys.executable, "-m", "celery", "-A", "platform_core", "worker", "-Q", self.queue]
        command += ["-n", name, "--concurrency", "1", "--without-gossip", "--without-mingle"]
        with open(log_path, "ab") as log:
            # Its own process group, so that stopping it reaches the pool's child too.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        # A bare client: this process's Celery app is configured for Django's settings, not this broker.
        broker_url = broker.replace("unix://", "redis+socket://")
        self.app = Celery(broker=broker_url, set_as_current=False)
        try:
            _wait_for_worker(self.process, broker_url, log_path, timeout_s=120, name=name)
        except RuntimeError as error:
            self.stop()
            raise SystemExit(str(error)) from None

    def timed_build(self) -> float:
        """Seconds from sending the build's task to its publication, as after a click on "build"."""
        from exports import services
        from exports.models import BuildStatus, ExportBuild

        spec = services.export_spec_create(data={"name": "export bench through a worker"})
        build = services.export_build_create(spec=spec, enqueue=False)
        started = time.perf_counter()
        self.app.send_task("exports.build", args=[build.pk], queue=self.queue)
        while (status := ExportBuild.objects.values_list("status", flat=True).get(pk=build.pk)) not in (
            BuildStatus.PUBLISHED,
            BuildStatus.FAILED,
        ):
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        if status == BuildStatus.FAILED:
            raise SystemExit(f"The worker's build failed: {ExportBuild.objects.get(pk=build.pk).error}")
        shutil.rmtree(self.media / "exports", ignore_errors=True)
        return elapsed

    def stop(self) -> None:
        from bench.reply_latency import _stop_process_group

        self.app.close()
        _stop_process_group(self.process)


def run_once(
    database_url: str, dialogues: int, workdir: Path, *, reuse: bool, repeat: int = 1, worker: bool = False
) -> dict:
    from roleplay.models import Dialogue, Turn

    if reuse and Dialogue.objects.count() == dialogues:
        turns = Turn.objects.count()
        fill_s = 0.0
    else:
        started = time.perf_counter()
        turns = fill(dialogues)
        fill_s = time.perf_counter() - started
    out = workdir / f"build-{dialogues}"
    # Build and baseline alternate, so a slow spell of a shared machine falls on both; the medians
    # are reported, every sample is kept.
    builds, cpus, copies, rss, worker_builds = [], [], [], [], []
    running = ExportWorker(database_url, workdir / "media", workdir / "worker.log") if worker else None
    try:
        for _attempt in range(repeat):
            shutil.rmtree(out, ignore_errors=True)
            build_s, build_cpu_s, peak_rss_mb, manifest = timed_build(database_url, out)
            copy_s, copy_bytes = copy_baseline(database_url, workdir / f"copy-{dialogues}.tsv")
            if running is not None:
                worker_builds.append(running.timed_build())
            builds.append(build_s)
            cpus.append(build_cpu_s)
            copies.append(copy_s)
            rss.append(peak_rss_mb)
    finally:
        if running is not None:
            running.stop()
    build_s, build_cpu_s, copy_s = statistics.median(builds), statistics.median(cpus), statistics.median(copies)
    peak_rss_mb = max(rss)
    size = sum(info["bytes"] for info in manifest["files"].values())
    result = {
        "dialogues": dialogues,
        "turns": turns,
        "exported_dialogues": manifest["counts"]["dialogues"],
        "exported_turns": manifest["counts"]["turns"],
        "data_sha256": manifest["data_sha256"],
        "fill_s": round(fill_s, 2),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "copy_baseline_s": round(copy_s, 2),
        "ratio": round(build_s / copy_s, 2) if copy_s else None,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "output_mb": round(size / 2**20, 1),
        "copy_output_mb": round(copy_bytes / 2**20, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "samples": {
            "build_s": [round(value, 2) for value in builds],
            "copy_baseline_s": [round(value, 2) for value in copies],
            "ratio": [round(build / copy, 2) for build, copy in zip(builds, copies, strict=True)],
            "worker_build_s": [round(value, 2) for value in worker_builds],
        },
        "curation": manifest["counts"]["curation"],
        "worker_build_s": round(statistics.median(worker_builds), 2) if worker_builds else None,
        "worker_ratio": round(statistics.median(worker_builds) / copy_s, 2) if worker_builds and copy_s else None,
        "pii_replacements": manifest["counts"]["pii_replacements"],
    }
    shutil.rmtree(out, ignore_errors=True)
    (workdir / f"copy-{dialogues}.tsv").unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dialogues", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--database-url", default=os.environ.get("EXPORT_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--double", action="store_true", help="also run with twice the dialogues")
    parser.add_argument("--reuse", action="store_true", help="keep the corpus if it already has --dialogues")
    parser.add_argument(
        "--repeat", type=int, default=1, help="build and baseline this many times each, alternating; medians reported"
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="also build through a running Celery worker, as the export page does (no process start-up)",
    )
    args = parser.parse_args()
    if "bench" not in database_name(args.database_url):
        raise SystemExit("Refusing to TRUNCATE a database whose name does not say it is a benchmark database.")
    setup_django(args.database_url)
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        workdir = Path(tmp)
        result = run_once(
            args.database_url, args.dialogues, workdir, reuse=args.reuse, repeat=args.repeat, worker=args.worker
        )
        rows = [result]
        if args.double:
            doubled = run_once(
                args.database_url, args.dialogues * 2, workdir, reuse=False, repeat=args.repeat, worker=args.worker
            )
            result["double"] = doubled
            result["peak_rss_growth"] = round(doubled["peak_rss_mb"] / result["peak_rss_mb"], 2)
            rows.append(doubled)
    header = ("dialogues", "turns", "build_s", "build_cpu_s", "copy_baseline_s", "ratio", "peak_rss_mb", "output_mb")
    if args.worker:
        header += ("worker_build_s", "worker_ratio")
    print(" | ".join(f"{h:>15}" for h in header))
    for row in rows:
        print(" | ".join(f"{row[h]!s:>15}" for h in header))
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.double:
        print(f"peak RSS at 2x the corpus: x{result['peak_rss_growth']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
