"""Fixtures for training tests: a tiny model built locally once per run, and small message files."""

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
