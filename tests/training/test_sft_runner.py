"""The SFT runner: what it learns from (assistant tokens only) and what it refuses."""

import json

import pytest

from training.sft import CHECKPOINT_DIR, DataError, build_parser, build_trainer, last_checkpoint, read_messages


def _args(tiny_model_dir, train, out, *extra):
    return build_parser().parse_args(
        ["--train", str(train), "--base-model", str(tiny_model_dir), "--out", str(out), "--max-length", "256", *extra]
    )


def _expected_assistant_ids(tokenizer, messages):
    ids = []
    for message in messages:
        if message["role"] == "assistant":
            ids += tokenizer(message["content"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return ids


def test_loss_mask_covers_exactly_the_assistant_tokens_and_their_end_of_turn(tiny_model_dir, message_files, tmp_path):
    train, _ = message_files
    trainer, _ = build_trainer(_args(tiny_model_dir, train, tmp_path / "out", "--no-packing"))
    tokenizer = trainer.processing_class
    examples = read_messages(train)
    assert len(trainer.train_dataset) == len(examples)
    for row, example in zip(trainer.train_dataset, examples, strict=True):
        trained = [label for label in row["labels"] if label != -100]
        assert trained == _expected_assistant_ids(tokenizer, example["messages"])
        # Everything else (system prompt, player turns, role labels) is context only.
        assert len(row["input_ids"]) > len(trained)


def test_packed_rows_train_on_the_same_assistant_tokens(tiny_model_dir, message_files, tmp_path):
    train, _ = message_files
    trainer, _ = build_trainer(_args(tiny_model_dir, train, tmp_path / "out", "--packing"))
    tokenizer = trainer.processing_class
    examples = read_messages(train)
    assert len(trainer.train_dataset) < len(examples)  # several dialogues share a row
    packed = sorted(label for row in trainer.train_dataset for label in row["labels"] if label != -100)
    expected = sorted(i for example in examples for i in _expected_assistant_ids(tokenizer, example["messages"]))
    assert packed == expected


def test_runner_refuses_a_file_without_character_turns(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="no example has an assistant"):
        read_messages(path)


def test_runner_names_the_line_of_a_malformed_example(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"messages": [{"role": "assistant", "content": "ok"}]}\n{"messages": 3}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"train.jsonl:2"):
        read_messages(path)


def test_runner_trains_with_two_ranks_under_torchrun(tiny_model_dir, message_files, tmp_path):
    """The several-GPU path (``torchrun``), exercised with two CPU ranks over gloo."""
    import subprocess
    import sys

    train, _ = message_files
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "training.sft", "--train", str(train), "--base-model", str(tiny_model_dir), "--out", str(out),
        "--method", "lora", "--max-steps", "3", "--batch-size", "2", "--max-length", "256", "--cpu",
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["final_step"] == 3
    assert (out / "final" / "adapter_config.json").exists()
    # Only rank 0 writes the metrics stream: one start and one end event, not two.
    events = [json.loads(line)["event"] for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events.count("start") == 1 and events.count("end") == 1


def test_runner_refuses_liger_kernels_without_a_gpu(tiny_model_dir, message_files, tmp_path):
    train, _ = message_files
    with pytest.raises(DataError, match="--liger needs a GPU"):
        build_trainer(_args(tiny_model_dir, train, tmp_path / "out", "--liger", "--cpu"))


def test_compiled_runner_pads_every_packed_batch_to_one_length(tiny_model_dir, message_files, tmp_path):
    train, _ = message_files
    args = _args(tiny_model_dir, train, tmp_path / "out", "--packing", "--batch-size", "2", "--torch-compile", "--cpu")
    trainer, _ = build_trainer(args)
    batches = list(trainer.get_train_dataloader())
    # A varying length would make torch.compile recompile; padding is never trained on.
    assert {tuple(batch["input_ids"].shape) for batch in batches} == {(1, 2 * 256)}
    padded = 0
    for batch in batches:
        padding = batch["input_ids"][0] == trainer.processing_class.pad_token_id
        padded += int(padding.sum())
        assert (batch["labels"][0][padding] == -100).all()
    assert padded > 0
    uncompiled, _ = build_trainer(_args(tiny_model_dir, train, tmp_path / "plain", "--packing", "--cpu"))
    assert uncompiled.args.pad_to_multiple_of is None


def test_runner_refuses_a_negative_number_of_dataloader_workers(tiny_model_dir, message_files, tmp_path):
    train, _ = message_files
    with pytest.raises(DataError, match="--dataloader-workers must be 0 or more"):
        build_trainer(_args(tiny_model_dir, train, tmp_path / "out", "--dataloader-workers", "-1"))


def _long_messages(path, count: int):
    """Dialogues of 1 to 6 exchanges, one in seven with a reply too long for 160 tokens on its own."""
    from tests.training.conftest import SYSTEM

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(count):
            messages = [{"role": "system", "content": SYSTEM}]
            for turn in range(1 + index % 6):
                reply = "Waves " * 100 if index % 7 == 6 else f"Windy, with high waves. Answer {turn}."
                messages.append({"role": "user", "content": f"Question {turn}: how is the weather today?"})
                messages.append({"role": "assistant", "content": reply})
            handle.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    return path


@pytest.mark.parametrize("packing", ["--packing", "--no-packing"])
def test_a_short_max_length_leaves_no_batch_without_a_supervised_token(tiny_model_dir, tmp_path, packing):
    from training.masking import encode_conversation

    train = _long_messages(tmp_path / "train.jsonl", 24)
    trainer, _ = build_trainer(_args(tiny_model_dir, train, tmp_path / "out", "--max-length", "160", packing))
    assert all(len(row["input_ids"]) <= 160 for row in trainer.train_dataset)
    batches = list(trainer.get_train_dataloader())
    assert batches and all((batch["labels"] != -100).any() for batch in batches)
    # Each example fits as it is, or was truncated, or was dropped; the metrics stream says how many.
    examples = read_messages(train)
    too_long = sum(len(encode_conversation(trainer.processing_class, e["messages"]).input_ids) > 160 for e in examples)
    events = [json.loads(line) for line in (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()]
    (report,) = [e for e in events if e["event"] == "data" and e["split"] == "train"]
    assert report["truncated"] > 0 and report["dropped"] == sum(i % 7 == 6 for i in range(24))
    assert report["truncated"] + report["dropped"] == too_long
    assert report["kept"] == len(examples) - report["dropped"]
    assert any(e["event"] == "notice" and "truncated from the left" in e["message"] for e in events)


@pytest.mark.parametrize("state", ["missing", "empty", "no character turn"])
def test_a_missing_or_empty_evaluation_file_means_training_without_evaluation(
    tiny_model_dir, message_files, tmp_path, capsys, monkeypatch, state
):
    from training.sft import main

    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", str(tmp_path / "tensorboard"))  # unset again afterwards
    train, _ = message_files
    evaluation = tmp_path / "validation.jsonl"
    if state == "empty":
        evaluation.write_text("\n", encoding="utf-8")
    elif state == "no character turn":
        evaluation.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n", encoding="utf-8")
    else:
        evaluation.unlink(missing_ok=True)
    out = tmp_path / "out"
    argv = ["--train", str(train), "--eval", str(evaluation), "--base-model", str(tiny_model_dir), "--out", str(out)]
    assert main([*argv, "--max-steps", "1", "--max-length", "256", "--cpu"]) == 0
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["final_step"] == 1 and result["evaluated"] is False and "eval_loss" not in result
    stderr = capsys.readouterr().err
    assert f"{evaluation}" in stderr and "training without evaluation" in stderr
    events = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [e["message"] for e in events if e["event"] == "notice"] == [
        line.removeprefix("notice: ") for line in stderr.splitlines() if line.startswith("notice: ")
    ]


def test_resuming_skips_a_newest_checkpoint_whose_state_was_cut_off_by_a_kill(tmp_path):
    """A runner killed while writing the trainer state leaves it empty or cut off: the checkpoint
    before it is the one to resume from, and none at all when no state is whole."""
    root = tmp_path / CHECKPOINT_DIR
    for step, state in ((2, '{"global_step": 2}'), (4, '{"global_step": 4}'), (6, ""), (8, '{"global_st')):
        (root / f"checkpoint-{step}").mkdir(parents=True)
        (root / f"checkpoint-{step}" / "trainer_state.json").write_text(state, encoding="utf-8")
    (root / "checkpoint-10").mkdir()  # killed before it wrote any state
    assert last_checkpoint(tmp_path) == root / "checkpoint-4"
    for step in (2, 4):
        (root / f"checkpoint-{step}" / "trainer_state.json").write_text("", encoding="utf-8")
    assert last_checkpoint(tmp_path) is None
