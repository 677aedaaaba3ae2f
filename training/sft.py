"""The SFT runner: ``python -m training.sft --train FILE --eval FILE --base-model DIR --out DIR``.

Usable on its own on a GPU box (``accelerate launch -m training.sft …`` or ``torchrun -m
training.sft …`` for several GPUs). It reads the exports' ``messages.jsonl`` (one
``{"messages": [{"role": "system"|"user"|"assistant", "content": …}, …]}`` per line), trains
with TRL's ``SFTTrainer`` (LoRA through peft by default, or a full fine-tune), computes the loss
on the character's (assistant) turns only with the end-of-turn token inside the mask, found from
the tokenizer's chat template whatever its kind (``training.masking``), truncates long dialogues
from the left by whole turns, packs sequences (best-fit decreasing, padding-free), uses bf16 on a
GPU that supports it, and writes under ``--out``:

- ``checkpoints/checkpoint-N/``: resumable checkpoints (``--resume`` picks up the newest one)
- ``tensorboard/``: TensorBoard event files
- ``metrics.jsonl``: one JSON object per event (``data``, ``notice``, ``start``, ``log``, ``eval``,
  ``checkpoint``, ``end``) with train/eval loss, tokens per second and peak accelerator memory; the platform
  reads this file while the job runs
- ``final/``: the adapter (LoRA) or the full weights, plus the tokenizer with its chat template
- ``result.json``: the final step and metrics, written last (its presence means success)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from training.masking import TemplateError, encode_examples

METRICS_FILE = "metrics.jsonl"
RESULT_FILE = "result.json"
CHECKPOINT_DIR = "checkpoints"
FINAL_DIR = "final"
DEFAULT_LORA_TARGETS = "all-linear"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.sft", description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True, help="training messages.jsonl")
    parser.add_argument("--eval", default=None, help="validation messages.jsonl (optional)")
    parser.add_argument("--base-model", required=True, help="local Hugging Face model directory")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--method", choices=("lora", "full"), default="lora")
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after N optimizer steps (overrides epochs)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default 2e-4 LoRA, 2e-5 full)")
    parser.add_argument("--batch-size", type=int, default=4, help="per-device batch size")
    parser.add_argument("--grad-accum", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--packing", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--lora-alpha", type=int, default=32)
    parser.add_argument("--lora-dropout", type=float, default=0.05)
    parser.add_argument(
        "--lora-targets", default=DEFAULT_LORA_TARGETS, help="comma-separated module names, or 'all-linear'"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--resume", action="store_true", help="resume from the newest checkpoint under --out")
    parser.add_argument("--save-steps", type=int, default=50)
    parser.add_argument("--save-total-limit", type=int, default=2)
    parser.add_argument("--logging-steps", type=int, default=1)
    parser.add_argument("--eval-steps", type=int, default=0, help="evaluate every N steps (0: at the end only)")
    parser.add_argument("--warmup-ratio", type=float, default=0.03)
    parser.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--attn", default="auto", help="attention implementation: auto, sdpa, eager, flash_attention_2")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is present")
    parser.add_argument(
        "--torch-compile",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="compile the model; packed batches are then padded to one fixed length (batch size × max length)",
    )
    parser.add_argument(
        "--dataloader-workers",
        type=int,
        default=None,
        help="processes that collate batches ahead of the GPU (default 2 on a GPU, 0 on the CPU)",
    )
    parser.add_argument(
        "--liger",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="fused Liger kernels for RMSNorm, SwiGLU and RoPE (GPU only; pip install liger-kernel)",
    )
    return parser


# --- data -----------------------------------------------------------------------------------------


class DataError(ValueError):
    """A training file that cannot be used; the message names the file and line."""


def read_messages(path: str | Path) -> list[dict[str, Any]]:
    """Examples from a messages.jsonl; examples without an assistant turn are skipped (nothing to learn)."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{number}: not JSON ({error.msg})") from error
            messages = record.get("messages") if isinstance(record, dict) else None
            if not isinstance(messages, list) or not messages:
                raise DataError(f"{path}:{number}: expected an object with a non-empty 'messages' list")
            cleaned = []
            for message in messages:
                if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
                    raise DataError(f"{path}:{number}: each message needs a role of system, user or assistant")
                if not isinstance(message.get("content"), str):
                    raise DataError(f"{path}:{number}: each message needs text content")
                cleaned.append({"role": message["role"], "content": message["content"]})
            if any(m["role"] == "assistant" and m["content"].strip() for m in cleaned):
                examples.append({"messages": cleaned})
    if not examples:
        raise DataError(f"{path}: no example has an assistant (character) turn to learn from")
    return examples


def _usable_eval_examples(path: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The evaluation examples, or none and the reason the run goes on without evaluation."""
    if not path:
        return [], None
    file = Path(path)
    if not file.is_file():
        return [], f"evaluation file {path} does not exist: training without evaluation"
    if not file.read_text(encoding="utf-8").strip():
        return [], f"evaluation file {path} is empty: training without evaluation"
    try:
        return read_messages(file), None
    except DataError as error:
        return [], f"{error}: training without evaluation"


class PreparedData:
    """Tokenized, masked and truncated train/eval datasets, with what happened to their examples."""

    def __init__(self) -> None:
        self.train: Any = None
        self.eval: Any = None
        self.reports: dict[str, dict[str, Any]] = {}
        self.notices: list[str] = []

    def notice(self, message: str) -> None:
        self.notices.append(message)
        if os.environ.get("RANK", "0") == "0":
            print(f"notice: {message}", file=sys.stderr, flush=True)

    def write(self, stream: MetricsStream) -> None:
        for split, report in self.reports.items():
            stream.write("data", split=split, **report)
        for message in self.notices:
            stream.write("notice", message=message)


def prepare_datasets(args: argparse.Namespace, tokenizer) -> PreparedData:
    """Encode the train and eval files with the loss mask from the chat template (training.masking)."""
    prepared = PreparedData()
    train_rows, report = encode_examples(tokenizer, read_messages(args.train), args.max_length)
    prepared.reports["train"] = report.as_dict()
    if report.marker_mismatches:
        prepared.notice(
            f"the template's generation markers and its rendered turns disagree on the loss mask of "
            f"{report.marker_mismatches} training examples (first: {report.first_mismatch}); the markers are used"
        )
    if report.truncated or report.dropped:
        prepared.notice(
            f"--max-length {args.max_length}: {report.truncated} training examples truncated from the left, "
            f"{report.dropped} dropped (no character reply fits)"
        )
    if not train_rows:
        raise DataError(f"{args.train}: no example keeps a character reply within --max-length {args.max_length}")
    prepared.train = dataset_from_rows(train_rows)
    eval_examples, reason = _usable_eval_examples(args.eval)
    if reason:
        prepared.notice(reason)
    if eval_examples:
        eval_rows, eval_report = encode_examples(tokenizer, eval_examples, args.max_length)
        prepared.reports["eval"] = eval_report.as_dict()
        if eval_rows:
            prepared.eval = dataset_from_rows(eval_rows)
        else:
            prepared.notice(
                f"no evaluation example keeps a character reply within --max-length {args.max_length}: "
                "training without evaluation"
            )
    return prepared


# --- metrics stream -------------------------------------------------------------------------------


def dataset_from_rows(rows: list[dict]) -> Any:
    """A ``datasets.Dataset`` whose fingerprint is the rows' content hash.

    ``Dataset.from_list`` fingerprints by pickling the Arrow table with dill, which fails on
    Python 3.12 with current pyarrow (``Can't pickle <class 'MonthDayNano'>``); hashing the JSON
    of the rows gives the same cache identity without pickling.
    """
    import hashlib

    import pyarrow as pa
    from datasets import Dataset

    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
    return Dataset(pa.Table.from_pylist(rows), fingerprint=digest)


def _accelerator_memory_mb() -> float | None:
    import torch

    if torch.cuda.is_available():
        return round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return None


def _rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


class MetricsStream:
    """Appends one JSON line per event; flushed at once so a reader sees it while training runs."""

    def __init__(self, path: Path, enabled: bool = True) -> None:
        self.path = path
        self.enabled = enabled

    def write(self, event: str, **fields: Any) -> None:
        if not self.enabled:
            return
        record = {"event": event, "time": round(time.time(), 3), **fields}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=float) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def read_metrics(path: str | Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Complete events appended after byte ``offset``, and the offset to continue from."""
    path = Path(path)
    if not path.exists():
        return [], offset
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    events = []
    consumed = 0
    for raw in data.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            break  # a line still being written
        consumed += len(raw)
        try:
            events.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    return events, offset + consumed


def _metrics_callback_class():
    from transformers import TrainerCallback

    class MetricsCallback(TrainerCallback):
        """Turns Trainer logs into the metrics stream, adding tokens/s between two logs and memory."""

        def __init__(self, stream: MetricsStream) -> None:
            self.stream = stream
            self.last_time: float | None = None
            self.last_tokens = 0

        def on_train_begin(self, args, state, control, **kwargs):
            self.last_time = time.perf_counter()
            self.last_tokens = state.num_input_tokens_seen
            if state.is_world_process_zero:
                self.stream.write(
                    "start", step=state.global_step, max_steps=state.max_steps, num_train_epochs=args.num_train_epochs
                )

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            now = time.perf_counter()
            if "eval_loss" in logs:
                self.stream.write("eval", step=state.global_step, eval_loss=logs["eval_loss"])
                return
            if "loss" not in logs:
                return
            tokens = state.num_input_tokens_seen
            elapsed = now - (self.last_time or now)
            rate = (tokens - self.last_tokens) / elapsed if elapsed > 0 else None
            self.last_time, self.last_tokens = now, tokens
            self.stream.write(
                "log",
                step=state.global_step,
                max_steps=state.max_steps,
                epoch=round(state.epoch or 0.0, 4),
                loss=logs.get("loss"),
                learning_rate=logs.get("learning_rate"),
                grad_norm=logs.get("grad_norm"),
                tokens_seen=tokens,
                tokens_per_s=round(rate, 1) if rate is not None else None,
                gpu_mem_mb=_accelerator_memory_mb(),
                rss_mb=_rss_mb(),
            )

        def on_save(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                path = Path(args.output_dir) / f"checkpoint-{state.global_step}"
                self.stream.write("checkpoint", step=state.global_step, path=str(path))

    return MetricsCallback


# --- training -------------------------------------------------------------------------------------


def last_checkpoint(out_dir: str | Path) -> Path | None:
    """The newest complete checkpoint under ``out/checkpoints``: one whose trainer state was written
    whole. Transformers writes that file last, and not atomically, so a runner killed while saving
    leaves a newest checkpoint with an empty or cut-off state; the one before it is the one to resume."""
    root = Path(out_dir) / CHECKPOINT_DIR
    if not root.is_dir():
        return None
    found = []
    for child in root.iterdir():
        match = re.fullmatch(r"checkpoint-(\d+)", child.name)
        if match:
            found.append((int(match.group(1)), child))
    for _step, checkpoint in sorted(found, reverse=True):
        if _state_is_whole(checkpoint / "trainer_state.json"):
            return checkpoint
    return None


def _state_is_whole(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def _attn_implementation(requested: str, on_gpu: bool) -> str:
    if requested != "auto":
        return requested
    if on_gpu:
        try:
            import flash_attn  # noqa: F401

            return "flash_attention_2"
        except ImportError:
            # Packed, padding-free rows need a block-diagonal mask; flex attention builds it
            # without materialising it (H200, Qwen2-0.5B shape: 56.9k tokens/s vs 19.0k with sdpa).
            return "flex_attention"
    return "sdpa"


def _check_liger(on_gpu: bool) -> None:
    if not on_gpu:
        raise DataError("--liger needs a GPU: its kernels are written in Triton")
    try:
        import liger_kernel  # noqa: F401
    except ImportError as error:
        raise DataError("--liger needs the liger-kernel package (pip install liger-kernel)") from error


def _static_length(args: argparse.Namespace) -> int | None:
    """The one length every packed batch is padded to when compiled: a varying length would recompile."""
    if args.torch_compile and args.packing:
        return args.batch_size * args.max_length
    return None


def _dataloader_workers(args: argparse.Namespace, on_gpu: bool) -> int:
    if args.dataloader_workers is not None:
        if args.dataloader_workers < 0:
            raise DataError("--dataloader-workers must be 0 or more")
        return args.dataloader_workers
    # Collating in the training process would leave the GPU idle between steps.
    return 2 if on_gpu else 0


def _peft_config(args: argparse.Namespace):
    if args.method != "lora":
        return None
    from peft import LoraConfig

    targets: str | list[str] = args.lora_targets
    if targets != "all-linear":
        targets = [name.strip() for name in targets.split(",") if name.strip()]
    return LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )


def _sft_config(args: argparse.Namespace, *, on_gpu: bool, has_eval: bool):
    import torch
    from trl import SFTConfig

    out = Path(args.out)
    use_bf16 = on_gpu and torch.cuda.is_bf16_supported()
    # Always this run's own directory: a value left by an earlier run in the same process (or an
    # inherited environment) would put the event files elsewhere.
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(out / "tensorboard")
    return SFTConfig(
        output_dir=str(out / CHECKPOINT_DIR),
        max_steps=args.max_steps,
        num_train_epochs=args.epochs,
        learning_rate=args.lr if args.lr is not None else (2e-4 if args.method == "lora" else 2e-5),
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        max_length=args.max_length,
        packing=args.packing,
        packing_strategy="bfd",
        pad_to_multiple_of=_static_length(args),
        # The labels come with the dataset (training.masking): -100 outside the character's turns.
        assistant_only_loss=False,
        bf16=use_bf16,
        fp16=False,
        use_cpu=not on_gpu,
        gradient_checkpointing=args.gradient_checkpointing,
        seed=args.seed,
        data_seed=args.seed,
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=args.save_total_limit,
        logging_steps=args.logging_steps,
        eval_strategy="steps" if (has_eval and args.eval_steps > 0) else "no",
        eval_steps=args.eval_steps if args.eval_steps > 0 else None,
        warmup_steps=args.warmup_ratio,
        lr_scheduler_type="cosine",
        report_to=["tensorboard"],
        include_num_input_tokens_seen="non_padding",
        torch_compile=args.torch_compile,
        # TRL's own fused LM head already computes the loss without the full logits, so Liger is
        # asked only for the kernels inside the decoder layers.
        use_liger_kernel=args.liger,
        liger_kernel_config={"rms_norm": True, "swiglu": True, "rope": True, "fused_linear_cross_entropy": False}
        if args.liger
        else None,
        dataloader_num_workers=_dataloader_workers(args, on_gpu),
        dataloader_pin_memory=on_gpu,
        disable_tqdm=True,
    )


def build_trainer(args: argparse.Namespace, *, extra_callbacks: list | None = None):
    """Everything up to ``trainer.train()``; tests use it to look at the prepared (masked) dataset."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTTrainer

    from training.chat_template import ensure_chat_template

    base = Path(args.base_model)
    if not (base / "config.json").exists():
        raise DataError(f"--base-model {base}: no config.json there (a local Hugging Face model directory is needed)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    on_gpu = torch.cuda.is_available() and not args.cpu
    if args.liger:
        _check_liger(on_gpu)
    _dataloader_workers(args, on_gpu)

    tokenizer = AutoTokenizer.from_pretrained(base)
    ensure_chat_template(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    prepared = prepare_datasets(args, tokenizer)
    config = _sft_config(args, on_gpu=on_gpu, has_eval=prepared.eval is not None)

    model = AutoModelForCausalLM.from_pretrained(
        base,
        dtype=torch.bfloat16 if config.bf16 else torch.float32,
        attn_implementation=_attn_implementation(args.attn, on_gpu),
    )
    stream = MetricsStream(out / METRICS_FILE, enabled=config.process_index == 0)
    prepared.write(stream)
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=prepared.train,
        eval_dataset=prepared.eval,
        processing_class=tokenizer,
        peft_config=_peft_config(args),
        callbacks=[_metrics_callback_class()(stream), *(extra_callbacks or [])],
    )
    trainer.prepared_data = prepared  # what happened to the examples, for result.json
    return trainer, stream


def run(args: argparse.Namespace) -> dict[str, Any]:
    trainer, stream = build_trainer(args)
    prepared = trainer.prepared_data
    out = Path(args.out)
    resume_from = last_checkpoint(out) if args.resume else None
    started = time.perf_counter()
    train_output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    train_seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "final_step": trainer.state.global_step,
        "max_steps": trainer.state.max_steps,
        "train_loss": train_output.training_loss,
        "train_runtime_s": round(train_seconds, 2),
        "tokens_seen": trainer.state.num_input_tokens_seen,
        "resumed_from": str(resume_from) if resume_from else None,
        "method": args.method,
        "base_model": str(Path(args.base_model).resolve()),
        "data": prepared.reports,
        "evaluated": trainer.eval_dataset is not None,
    }
    if trainer.eval_dataset is not None:
        metrics = trainer.evaluate()
        result["eval_loss"] = metrics.get("eval_loss")
        if result["eval_loss"] is not None and result["eval_loss"] < 50:
            result["eval_perplexity"] = math.exp(result["eval_loss"])
    final = out / FINAL_DIR
    trainer.save_model(str(final))
    trainer.processing_class.save_pretrained(str(final))
    result["output"] = str(final)
    result["peak_gpu_mem_mb"] = _accelerator_memory_mb()
    if trainer.args.process_index == 0:
        stream.write("end", step=trainer.state.global_step, **{k: v for k, v in result.items() if k != "output"})
        (out / RESULT_FILE).write_text(json.dumps(result, indent=2, default=float), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = run(args)
    except (DataError, TemplateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
