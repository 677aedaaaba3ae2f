"""Fixtures for training tests: a tiny model built locally once per run, and small message files."""

import asyncio
import json
from pathlib import Path

import pytest

LINES = ("Hello there, traveller.", "The lamp is lit.", "风很大，浪也很高。", "I write in my log every night.")
QUESTIONS = ("What do you do?", "你好", "Are you lonely?", "How is the weather?")
SYSTEM = "以下是一段灯塔看守人和用户之间的对话。关于灯塔看守人的信息：住在岛上。"


def conversation(index: int, turns: int = 2) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for t in range(turns):
        messages.append({"role": "user", "content": QUESTIONS[(index + t) % len(QUESTIONS)]})
        messages.append({"role": "assistant", "content": LINES[(index * 3 + t) % len(LINES)]})
    return messages


def first_piece_then_close(backend, request) -> str:
    """Read one piece of ``backend.astream(request)`` on a fresh event loop, then go away as a closed socket does."""

    async def read() -> str:
        pieces = backend.astream(request)
        first = await anext(pieces)
        await pieces.aclose()
        return first

    return asyncio.run(read())


def write_messages(path: Path, count: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(count):
            record = {"messages": conversation(index, turns=1 + index % 3)}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from training.tiny_model import tiny_model_build

    return tiny_model_build(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def message_files(tmp_path) -> tuple[Path, Path]:
    return write_messages(tmp_path / "train.jsonl", 24), write_messages(tmp_path / "validation.jsonl", 6)


_versions = iter(range(9000, 100000))


def make_published_build(directory: Path, *, dialogues: int = 24, model_generation: int | None = None):
    """A published ExportBuild whose directory holds the layout exports publish (messages + turns.parquet).

    Used until a test needs the real export pipeline (the full-loop test builds one for real).
    """
    from exports.build.writers import TURN_COLUMNS, SplitWriter, dumps
    from exports.models import BuildStatus, ExportBuild, ExportSpec

    spec = ExportSpec.objects.create(name=f"spec for {directory.name}")
    for split, count in (("train", dialogues), ("validation", max(2, dialogues // 4)), ("test", 2)):
        writer = SplitWriter(directory / split)
        for index in range(count):
            messages = conversation(index, turns=1 + index % 3)
            writer.write_messages_lines((dumps({"messages": messages}) + "\n").encode())
            for seq, message in enumerate(messages[1:], start=1):
                row = dict.fromkeys(TURN_COLUMNS)
                row.update(
                    dialogue_id=index + 1,
                    seq=seq,
                    split=split,
                    speaker="character" if message["role"] == "assistant" else "player",
                    text=message["content"],
                    model_generation=model_generation if message["role"] == "assistant" else None,
                )
                writer.write_turn(tuple(row[name] for name in TURN_COLUMNS))
        writer.close()
    return ExportBuild.objects.create(
        spec=spec,
        status=BuildStatus.PUBLISHED,
        version=next(_versions),
        directory=str(directory),
        dialogue_count=dialogues,
    )


@pytest.fixture
def published_build(db, tmp_path):
    return make_published_build(tmp_path / "export")


@pytest.fixture
def training_output(settings, tmp_path):
    settings.TRAINING_OUTPUT_DIR = tmp_path / "jobs"
    settings.TRAINING_POLL_INTERVAL_S = 0.2
    return settings.TRAINING_OUTPUT_DIR


from tests.e2e.conftest import (  # noqa: E402, F401  (shared database fixtures)  # noqa: E402, F401
    _sqlite_live_template,
    chromium,
    live_db,
    redis_url,
    session_cookie,
    uvicorn_server_factory,
)
