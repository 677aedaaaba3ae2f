"""The SFT runner: what it learns from (assistant tokens only) and what it refuses."""

import json

import pytest

from training.sft import DataError, build_parser, build_trainer, read_messages


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
