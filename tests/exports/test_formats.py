"""Every published file loads with the tool that consumes it, in the layout the issue fixes."""

import json
from pathlib import Path

import pandas as pd
import pytest

from exports.selectors import build_split_path
from tests.factories import UserFactory

SPLITS = ("train", "validation", "test")
ROLE_ORDER = ("user", "assistant")


@pytest.fixture
def published(corpus, build_now):
    build = build_now()
    assert build.status == "published", build.error
    return build


def test_published_build_has_the_documented_layout(published):
    root = Path(published.directory)
    top = sorted(p.name for p in root.iterdir())
    assert top == sorted(["manifest.json", "DATASHEET.md", "dataset_info.json", "turns_per_dialogue.png", *SPLITS])
    for split in SPLITS:
        assert sorted(p.name for p in (root / split).iterdir()) == [
            "characterglm.jsonl",
            "messages.jsonl",
            "turns.parquet",
        ]
    assert published.version == 1
    assert build_split_path(published, "train", "messages") == root / "train" / "messages.jsonl"


def test_both_jsonl_files_load_with_datasets(published, tmp_path):
    datasets = pytest.importorskip("datasets")
    files = {split: str(build_split_path(published, split, "characterglm")) for split in SPLITS}
    characterglm = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "hf"))
    assert sum(characterglm[split].num_rows for split in SPLITS) == 24
    row = characterglm["train"][0]
    assert set(row["session_meta"]) == {"bot_name", "bot_info", "user_name", "user_info"}
    assert row["greeting"].startswith("Good morning!")
    assert all(len(pair) == 2 for pair in row["history"])

    files = {split: str(build_split_path(published, split, "messages")) for split in SPLITS}
    messages = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "hf"))
    first = messages["train"][0]["messages"]
    assert first[0]["role"] == "system"
    assert "Speak warmly" not in first[0]["content"]  # default variant: the profile, not the written prompt
    roles = [m["role"] for m in first[1:]]
    assert roles == [ROLE_ORDER[i % 2] for i in range(len(roles))] and roles[-1] == "assistant"


def test_characterglm_rows_render_with_the_characterglm_prompt(published):
    from roleplay.prompting import SessionMeta, characterglm_prompt

    line = json.loads(build_split_path(published, "train", "characterglm").read_text().splitlines()[0])
    meta = SessionMeta(**line["session_meta"])
    turns = [(meta.bot_name, line["greeting"])]
    for query, response in line["history"]:
        turns += [(meta.user_name, query), (meta.bot_name, response)]
    prompt = characterglm_prompt(meta, turns)
    assert prompt.startswith(f"以下是一段{meta.bot_name}和{meta.user_name}之间的对话。")
    assert prompt.endswith(f"[{meta.bot_name}]")


def test_parquet_loads_with_pandas_and_has_provenance(published, corpus):
    frames = [pd.read_parquet(build_split_path(published, split, "parquet")) for split in SPLITS]
    table = pd.concat(frames)
    assert len(table) == 24 * 6
    for column in ("dialogue_id", "character", "category", "source", "split", "speaker", "text", "original_text"):
        assert column in table.columns
    assert set(table["split"]) == set(SPLITS)
    assert (table.groupby("dialogue_id")["seq"].apply(list).apply(lambda s: s == sorted(s))).all()


def test_messages_pass_through_a_chat_template(published):
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {"[UNK]": 0, "[PAD]": 1, "<|system|>": 2, "<|user|>": 3, "<|assistant|>": 4, "<|end|>": 5}
    backend = tokenizers.Tokenizer(WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = Whitespace()
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", eos_token="<|end|>"
    )
    tokenizer.chat_template = (
        "{% for message in messages %}"
        "{% if message['role'] not in ['system', 'user', 'assistant'] %}{{ raise_exception('bad role') }}{% endif %}"
        "{% if loop.index0 > 0 and message['role'] != ['user', 'assistant'][(loop.index0 - 1) % 2] %}"
        "{{ raise_exception('roles must alternate user/assistant after the system message') }}{% endif %}"
        "<|{{ message['role'] }}|> {{ message['content'] }} <|end|> "
        "{% endfor %}"
    )
    lines = build_split_path(published, "train", "messages").read_text(encoding="utf-8").splitlines()
    for line in lines:
        messages = json.loads(line)["messages"]
        text = tokenizer.apply_chat_template(messages, tokenize=False)
        assert text.startswith("<|system|> ") and text.count("<|assistant|>") == (len(messages) - 1) // 2
        ids = tokenizer.apply_chat_template(messages, tokenize=True)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        assert len(ids) > len(messages)


def test_dataset_info_points_llama_factory_at_the_messages_files(published):
    root = Path(published.directory)
    info = json.loads((root / "dataset_info.json").read_text())
    assert set(info) == {f"troupe_{split}" for split in SPLITS}
    for split in SPLITS:
        entry = info[f"troupe_{split}"]
        assert entry["formatting"] == "sharegpt"
        assert (root / entry["file_name"]).is_file()
        assert entry["tags"]["role_tag"] == "role" and entry["columns"] == {"messages": "messages"}


def test_manifest_lists_every_file_with_its_checksum(published):
    import hashlib

    root = Path(published.directory)
    manifest = json.loads((root / "manifest.json").read_text())
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, info in manifest["files"].items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == info["sha256"]
        assert (root / name).stat().st_size == info["bytes"]
    assert manifest["version"] == published.version
    assert manifest["counts"]["splits"]["train"]["dialogues"] > 0
    assert manifest["spec"]["name"] == "test corpus"
    assert manifest["code_version"]
    datasheet = (root / "DATASHEET.md").read_text()
    assert "turns_per_dialogue.png" in datasheet and "## Curation" in datasheet


def test_each_prompt_variant_gives_one_example_and_draw_gives_one(corpus, build_now):
    each = build_now({"prompt_variants": ["profile", "written"], "prompt_mode": "each"})
    assert each.stats["splits"]["train"]["messages_examples"] == 2 * each.stats["splits"]["train"]["dialogues"]
    systems = [
        json.loads(line)["messages"][0]["content"]
        for line in build_split_path(each, "train", "messages").read_text().splitlines()
    ]
    assert any("Speak warmly" in s for s in systems) and any("Identity:" in s for s in systems)
    drawn = build_now({"prompt_variants": ["profile", "written"], "prompt_mode": "draw"})
    assert drawn.stats["splits"]["train"]["messages_examples"] == drawn.stats["splits"]["train"]["dialogues"]


def test_worker_ids_are_replaced_by_salted_hashes(db, build_now, settings):
    from tests.exports.conftest import make_corpus

    worker = UserFactory()
    make_corpus(characters=3, worker=worker)
    build = build_now()
    table = pd.concat(pd.read_parquet(build_split_path(build, s, "parquet")) for s in SPLITS)
    hashes = set(table["player_worker"]) | set(table["author_worker"].dropna()) - {""}
    hashes.discard(None)
    assert hashes and all(h.startswith("worker-") for h in hashes)
    raw = b"".join(p.read_bytes() for p in Path(build.directory).rglob("*.jsonl"))
    assert worker.username.encode() not in raw
    settings.EXPORT_HASH_SALT = "another-salt"
    other = build_now()
    table2 = pd.concat(pd.read_parquet(build_split_path(other, s, "parquet")) for s in SPLITS)
    assert set(table2["player_worker"]).isdisjoint(set(table["player_worker"]))
