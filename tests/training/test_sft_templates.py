"""The runner on chat models of every template kind: the demo export trains and evaluates, and a tiny
model learns from its assistant (character) tokens only."""

import json
import math

import pytest
from django.core.management import call_command

from exports.selectors import build_split_path
from exports.services import export_build_create, export_build_run, export_spec_create
from tests.training.chat_templates import CHATML, KINDS, SPECIAL_TOKENS
from training.masking import IGNORE_INDEX
from training.sft import build_parser, build_trainer, main, read_messages


def _lines(path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.mark.django_db
def test_runner_trains_and_evaluates_on_the_demo_export_with_each_template_kind(
    researcher, settings, tmp_path, monkeypatch
):
    # The in-process runs set it; each must still write under its own --out (and it is unset afterwards).
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", str(tmp_path / "elsewhere"))
    from training.tiny_model import tiny_model_build

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    spec = export_spec_create(
        data={"name": "demo", "languages": ["en", "zh-hans"], "split": {"train": 0.8, "validation": 0.2, "test": 0.0}},
        created_by=researcher,
    )
    build = export_build_run(build=export_build_create(spec=spec, creator=researcher, enqueue=False))
    assert build.is_published, build.error
    train, validation = build_split_path(build, "train", "messages"), build_split_path(build, "validation", "messages")
    assert _lines(validation) > 0
    for kind, template in KINDS.items():
        model = tiny_model_build(tmp_path / f"model-{kind}", chat_template=template, special_tokens=SPECIAL_TOKENS)
        out = tmp_path / f"out-{kind}"
        argv = ["--train", str(train), "--eval", str(validation), "--base-model", str(model), "--out", str(out)]
        argv += ["--max-steps", "2", "--batch-size", "2", "--max-length", "384", "--lora-r", "4", "--cpu"]
        assert main(argv) == 0, kind
        assert (out / "tensorboard").is_dir(), kind
        result = json.loads((out / "result.json").read_text(encoding="utf-8"))
        assert result["final_step"] == 2, kind
        assert result["evaluated"] and math.isfinite(result["eval_loss"]), kind
        for split, path in (("train", train), ("eval", validation)):
            report = result["data"][split]
            assert report["examples"] == len(read_messages(path)), (kind, split)
            assert report["kept"] + report["dropped"] == report["examples"], (kind, split)
            assert report["kept"] > 0 and 0 < report["supervised_tokens"] < report["tokens"], (kind, split)
        events = [json.loads(line) for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
        assert {e["split"] for e in events if e["event"] == "data"} == {"train", "eval"}, kind


def test_a_tiny_model_gets_gradient_from_its_assistant_tokens_only(tmp_path):
    """Every training batch: the loss's gradient reaches exactly the positions that predict a reply token."""
    import torch

    from tests.training.conftest import write_messages
    from training.tiny_model import tiny_model_build

    model_dir = tiny_model_build(tmp_path / "model", chat_template=CHATML, special_tokens=SPECIAL_TOKENS)
    train = write_messages(tmp_path / "train.jsonl", 8)
    args = build_parser().parse_args(
        ["--train", str(train), "--base-model", str(model_dir), "--out", str(tmp_path / "out"), "--method", "full",
         "--batch-size", "4", "--max-length", "256", "--cpu", "--no-packing"]
    )  # fmt: skip
    trainer, _ = build_trainer(args)
    tokenizer, model = trainer.processing_class, trainer.model
    replies = {
        m["content"] for example in read_messages(train) for m in example["messages"] if m["role"] == "assistant"
    }
    for batch in trainer.get_train_dataloader():
        model.zero_grad()
        outputs = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
        outputs.logits.retain_grad()
        outputs.loss.backward()
        # Position i predicts token i + 1: its logits get gradient iff label i + 1 is supervised.
        reached = outputs.logits.grad.abs().sum(-1)[:, :-1] > 0
        supervised = batch["labels"][:, 1:] != IGNORE_INDEX
        assert torch.equal(reached, supervised)
        # And the supervised tokens are the replies, each with its <|im_end|>: no prompt, no player turn.
        for row in batch["labels"]:
            text = tokenizer.decode([t for t in row.tolist() if t != IGNORE_INDEX])
            pieces = [piece for piece in text.split("<|im_end|>") if piece]
            assert pieces and set(pieces) <= replies and text.endswith("<|im_end|>")
