"""Training throughput: the SFT runner (packing) against plain ``transformers.Trainer`` (no packing).

    python bench/train_bench.py [--base-model DIR] [--shape qwen2-0.5b] --json OUT

Both run in this process, one after the other, on the same model (loaded fresh from the same
directory, same dtype and attention kernel) and the same synthetic dialogue-length samples
(character prompt plus 2–8 turns, 120–900 tokens): the runner is ``training.sft.build_trainer``
(TRL ``SFTTrainer``, assistant-only loss, best-fit-decreasing packing, padding-free); the baseline
is ``transformers.Trainer`` with the same assistant-only labels, each batch padded to its longest
sample. Both are full fine-tunes unless ``--method lora``.

Throughput counts real (non-padding) tokens per second over the timed steps (after warm-up).
``mfu_needed_flops`` divides by the FLOPs the objective needs instead (``needed_flops_per_token``:
the LM head only on supervised tokens, causal attention counted).
Peak memory is ``torch.cuda.max_memory_allocated`` on a GPU and the process's peak RSS on the CPU.
MFU (GPU only) = tokens/s × 6 × parameters (4 × parameters for LoRA: no weight gradients of the
frozen base) ÷ the chip's dense bf16 peak (``--peak-tflops``, or known for H100/H200/A100).

Without ``--base-model`` a randomly initialised model of ``--shape`` is built (``qwen2-0.5b`` on a
GPU, ``qwen2-small`` on the CPU by default); nothing is downloaded. JSON keys: ``tokens_per_s``,
``baseline_tokens_per_s``, ``ratio``, ``peak_mem_mb``, ``baseline_peak_mem_mb``, ``device``,
``mfu``, ``baseline_mfu`` and the configuration.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10G": 125.0}

WORDS_EN = "the sea wind lamp keeper island night gull boat story light tide rock harbour storm calm".split()
WORDS_ZH = list("海风灯塔看守人岛夜晚海鸥船故事光潮汐礁石港口暴雨平静今天我们你他她很也都")


def synthetic_examples(count: int, seed: int) -> list[dict]:
    """Dialogue-length conversations: a character prompt, then 2–8 player/character exchanges."""
    rng = random.Random(seed)

    def sentence(low: int, high: int) -> str:
        if rng.random() < 0.5:
            return " ".join(rng.choice(WORDS_EN) for _ in range(rng.randint(low, high))).capitalize() + "."
        return "".join(rng.choice(WORDS_ZH) for _ in range(rng.randint(low, high) * 2)) + "。"

    examples = []
    for _ in range(count):
        messages = [{"role": "system", "content": "以下是一段对话。" + sentence(20, 50)}]
        for _turn in range(rng.randint(1, 4)):
            messages.append({"role": "user", "content": sentence(4, 25)})
            messages.append({"role": "assistant", "content": sentence(6, 40)})
        examples.append({"messages": messages})
    return examples


class StepTimer:
    """Times the ``steps`` steps after ``warmup`` (at least 1) and counts the real tokens they consumed.

    The GPU is synchronised only where the window opens and closes: a sync of the timer's own after
    every step would keep the optimizer step from overlapping the next batch's fetch.
    """

    def __init__(self, warmup: int, steps: int) -> None:
        from transformers import TrainerCallback

        timer = self
        last = warmup + steps

        class Callback(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step not in (warmup, last):
                    return
                timer._sync()
                if state.global_step == warmup:
                    timer.start_time = time.perf_counter()
                    timer.start_tokens = state.num_input_tokens_seen
                else:
                    timer.end_time = time.perf_counter()
                    timer.end_tokens = state.num_input_tokens_seen
                    timer.steps = steps

        self.callback = Callback()
        self.start_time = self.end_time = 0.0
        self.start_tokens = self.end_tokens = 0
        self.steps = 0

    @staticmethod
    def _sync() -> None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()

    @property
    def tokens_per_s(self) -> float:
        elapsed = self.end_time - self.start_time
        return (self.end_tokens - self.start_tokens) / elapsed if elapsed > 0 else 0.0


KERNEL_GROUPS = (
    ("matmul", ("gemm", "cutlass", "nvjet", "xmma", "cublas")),
    ("attention", ("flex_attention", "flash", "fmha")),
    # TRL's fused LM head (trl/kernels/chunked_logprob.py) names its Triton kernels this plainly.
    ("lm head + loss", ("logprob", "entropy", "_forward_kernel", "_backward_kernel")),
    ("liger (norm, rope, swiglu)", ("rms_norm", "rope", "swiglu", "liger")),
    ("optimizer", ("adam", "multi_tensor")),
    ("compiled fusions", ("triton_poi", "triton_per", "triton_red", "triton_tem")),
    ("copies", ("memcpy", "memset", "copy_kernel", "catarray", "index")),
)


def _kernel_group(name: str) -> str:
    lowered = name.lower()
    for group, needles in KERNEL_GROUPS:
        if any(needle in lowered for needle in needles):
            return group
    return "other"


class StepProfiler:
    """Profiles ``steps`` optimizer steps after the timed window: GPU time by kernel group and idle share."""

    def __init__(self, after: int, steps: int) -> None:
        from transformers import TrainerCallback

        profiler = self
        self.report: dict | None = None
        self._profile = None

        class Callback(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                if steps <= 0:
                    return
                if state.global_step == after:
                    profiler._start()
                elif state.global_step == after + steps:
                    profiler._stop(steps)

        self.callback = Callback()

    def _start(self) -> None:
        import torch
        from torch.profiler import ProfilerActivity, profile

        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
        StepTimer._sync()
        self._wall = time.perf_counter()
        self._profile = profile(activities=activities)
        self._profile.__enter__()

    def _stop(self, steps: int) -> None:
        import torch

        StepTimer._sync()
        wall_ms = (time.perf_counter() - self._wall) * 1000
        self._profile.__exit__(None, None, None)
        kernels = [
            (event.name, _kernel_group(event.name), event.time_range.start, event.time_range.end)
            for event in self._profile.events()
            # GPU-side annotations (``Optimizer.step#AdamW.step``) span kernels; they are not kernels.
            if event.device_type == torch.autograd.DeviceType.CUDA and not getattr(event, "is_user_annotation", False)
        ]
        by_group: dict[str, float] = {}
        by_name: dict[str, float] = {}
        for name, group, start, end in kernels:
            by_group[group] = by_group.get(group, 0.0) + end - start
            by_name[name] = by_name.get(name, 0.0) + end - start
        intervals = sorted((start, end) for _name, _group, start, end in kernels)
        busy, reach = 0.0, float("-inf")
        for start, end in intervals:
            if end > reach:
                busy += end - max(start, reach)
                reach = end
        per_step = 1000 * steps  # µs → ms per step
        self.report = {
            "wall_ms_per_step": round(wall_ms / steps, 2),
            "gpu_busy_ms_per_step": round(busy / per_step, 2),
            "groups_ms_per_step": {k: round(v / per_step, 2) for k, v in sorted(by_group.items(), key=lambda i: -i[1])},
            "top_kernels_ms_per_step": {
                name[:120]: round(total / per_step, 2)
                for name, total in sorted(by_name.items(), key=lambda i: -i[1])[:25]
            },
        }


def _peak_mem_reset() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def _peak_mem_mb() -> float:
    import torch

    if torch.cuda.is_available():
        return round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_runner(args, data_file: Path, out: Path) -> dict:
    from training.sft import build_parser, build_trainer

    timer = StepTimer(args.warmup, args.steps)
    profiler = StepProfiler(args.warmup + args.steps, args.profile_steps)
    argv = [
        "--train", str(data_file), "--base-model", str(args.base_model), "--out", str(out),
        "--method", args.method, "--max-steps", str(args.warmup + args.steps + args.profile_steps),
        "--batch-size", str(args.batch_size), "--max-length", str(args.max_length), "--packing",
        "--save-steps", str(10**9), "--logging-steps", "10", "--attn", args.attn, "--lr", "1e-5",
        "--warmup-ratio", "0",
    ]  # fmt: skip
    if args.torch_compile:
        argv.append("--torch-compile")
    if args.liger:
        argv.append("--liger")
    if args.cpu:
        argv.append("--cpu")
    if args.dataloader_workers is not None:
        argv += ["--dataloader-workers", str(args.dataloader_workers)]
    _peak_mem_reset()
    trainer, _ = build_trainer(build_parser().parse_args(argv), extra_callbacks=[timer.callback, profiler.callback])
    trainer.args.save_strategy = "no"
    lengths = [len(row["input_ids"]) for row in trainer.train_dataset]
    trainer.train()
    result = {
        "tokens_per_s": round(timer.tokens_per_s, 1),
        "timed_steps": timer.steps,
        "peak_mem_mb": _peak_mem_mb(),
        "rows": len(lengths),
        "tokens_per_step": args.batch_size * args.max_length,
        "fill": round(sum(lengths) / (len(lengths) * args.max_length), 3),
        "attn_implementation": trainer.model.config._attn_implementation,
        "dataloader_workers": trainer.args.dataloader_num_workers,
        "padded_to": trainer.args.pad_to_multiple_of,
        "profile": profiler.report,
    }
    del trainer
    _peak_mem_reset()
    return result


def run_baseline(args, tokenizer, encoded: list[tuple[list[int], list[int]]]) -> dict:
    """Plain ``transformers.Trainer``: one sample per row, padded to the batch's longest, no packing."""
    import torch
    from transformers import AutoModelForCausalLM, DataCollatorForSeq2Seq, Trainer, TrainingArguments

    from training.sft import _attn_implementation, dataset_from_rows

    on_gpu = torch.cuda.is_available() and not args.cpu
    use_bf16 = on_gpu and torch.cuda.is_bf16_supported()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = [
        {"input_ids": ids, "labels": [t if m else -100 for t, m in zip(ids, mask, strict=True)]}
        for ids, mask in encoded
    ]
    _peak_mem_reset()
    model = AutoModelForCausalLM.from_pretrained(
        args.base_model,
        dtype=torch.bfloat16 if use_bf16 else torch.float32,
        # The reference measurement was plain Trainer with SDPA; the runner may use another kernel.
        attn_implementation=args.baseline_attn
        if args.baseline_attn != "auto"
        else _attn_implementation("auto", on_gpu),
    )
    if args.method == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
        )
    timer = StepTimer(args.warmup, args.steps)
    with tempfile.TemporaryDirectory() as out:
        trainer = Trainer(
            model=model,
            args=TrainingArguments(
                output_dir=out,
                max_steps=args.warmup + args.steps,
                per_device_train_batch_size=args.baseline_batch_size,
                learning_rate=1e-5,
                bf16=use_bf16,
                use_cpu=not on_gpu,
                save_strategy="no",
                logging_steps=10,
                report_to=[],
                include_num_input_tokens_seen="non_padding",
                dataloader_num_workers=0,
                disable_tqdm=True,
                seed=args.seed,
                torch_compile=args.torch_compile,
            ),
            train_dataset=dataset_from_rows(rows),
            data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
            processing_class=tokenizer,
            callbacks=[timer.callback],
        )
        trainer.train()
    result = {
        "tokens_per_s": round(timer.tokens_per_s, 1),
        "timed_steps": timer.steps,
        "peak_mem_mb": _peak_mem_mb(),
        "mean_sample_tokens": round(sum(len(r["input_ids"]) for r in rows) / len(rows), 1),
    }
    del trainer, model
    _peak_mem_reset()
    return result


def _earlier_baseline(args, model_label: str) -> dict:
    """The baseline half of an earlier ``--baseline-only`` run; it must match this run's set-up."""
    earlier = json.loads(args.baseline_from.read_text(encoding="utf-8"))
    expected = {"examples": args.examples, "method": args.method, "warmup_steps": args.warmup, "model": model_label}
    mismatched = [key for key, value in expected.items() if earlier.get(key) != value]
    if mismatched:
        raise SystemExit(f"--baseline-from {args.baseline_from}: measured with other {', '.join(mismatched)}")
    args.baseline_batch_size = earlier["baseline"]["batch_size"]
    return {key: value for key, value in earlier["baseline"].items() if key != "batch_size"}


def _encoded_examples(base_model: Path, examples: list[dict], max_length: int):
    """The tokenizer, and each example's token ids with its assistant mask, as the runner trains them."""
    from transformers import AutoTokenizer

    from training.chat_template import ensure_chat_template
    from training.masking import IGNORE_INDEX, encode_examples

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    ensure_chat_template(tokenizer)
    rows, _report = encode_examples(tokenizer, examples, max_length)
    encoded = [(row["input_ids"], [int(label != IGNORE_INDEX) for label in row["labels"]]) for row in rows]
    return tokenizer, encoded


def needed_flops_per_token(
    base_model: Path, params: int, encoded: list[tuple[list[int], list[int]]], weight_flops: int
) -> dict:
    """The FLOPs per token that the training objective needs, beside the 6N convention.

    The decoder runs on every token; the LM head only where a loss is computed (the assistant
    tokens: TRL's fused head projects nothing else); attention is causal within each sample
    (packed samples do not see each other), 4 × context × width per layer forward, 3× that with
    the backward. Weight matmuls count 6 FLOPs per parameter (full) or 4 (LoRA: no weight gradients).
    """
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(base_model).get_text_config()
    tokens = sum(len(ids) for ids, _mask in encoded)
    supervised_fraction = sum(sum(mask) for _ids, mask in encoded) / tokens
    mean_context = sum(len(ids) ** 2 for ids, _mask in encoded) / (2 * tokens)
    head = config.vocab_size * config.hidden_size
    # ``params`` counts a tied embedding once; the embedding lookup itself is no matmul.
    body = params - head - (0 if getattr(config, "tie_word_embeddings", False) else head)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    attention = 12 * config.num_hidden_layers * config.num_attention_heads * head_dim * mean_context
    return {
        "flops_per_token": weight_flops * (body + head * supervised_fraction) + attention,
        "supervised_fraction": round(supervised_fraction, 4),
        "mean_causal_context": round(mean_context, 1),
    }


def parameter_count(base_model: Path) -> int:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(base_model)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    return sum(p.numel() for p in model.parameters())  # tied embeddings are counted once


def device_description(cpu: bool) -> tuple[str, float | None]:
    import torch

    if torch.cuda.is_available() and not cpu:
        name = torch.cuda.get_device_name(0)
        peak = next((tflops for key, tflops in PEAK_BF16_TFLOPS.items() if key in name), None)
        return name, peak
    return f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} threads)", None


def main(argv: list[str] | None = None) -> dict:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", type=Path, default=None)
    parser.add_argument(
        "--shape", default=None, help="model shape to build when no --base-model (qwen2-0.5b, qwen2-small, tiny)"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--method", choices=("full", "lora"), default="full")
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 30 GPU, 4 CPU)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 5 GPU, 1 CPU)")
    parser.add_argument("--batch-size", type=int, default=None, help="runner: packed rows per step")
    parser.add_argument("--max-length", type=int, default=None, help="runner: tokens per packed row")
    parser.add_argument("--baseline-batch-size", type=int, default=None, help="baseline: samples per step")
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument(
        "--attn", default="auto", help="runner attention: auto (FA2 if installed, else sdpa), sdpa, flex_attention"
    )
    parser.add_argument(
        "--baseline-attn", default="sdpa", help="baseline attention (default sdpa, as in the reference)"
    )
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak of the chip, for MFU")
    parser.add_argument("--torch-compile", action="store_true", help="runner: torch.compile the model")
    parser.add_argument("--liger", action="store_true", help="runner: Liger RMSNorm/SwiGLU/RoPE kernels (GPU)")
    parser.add_argument(
        "--baseline-from",
        type=Path,
        default=None,
        help="take the baseline from this JSON of an earlier run on the same machine and data, instead of rerunning it",
    )
    parser.add_argument("--baseline-only", action="store_true", help="measure only the baseline (for --baseline-from)")
    parser.add_argument(
        "--dataloader-workers", type=int, default=None, help="runner: collating processes (default: the runner's)"
    )
    parser.add_argument(
        "--profile-steps",
        type=int,
        default=0,
        help="runner on a GPU: profile this many steps after the timed ones (GPU time by kernel group)",
    )
    parser.add_argument("--cpu", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    on_gpu = torch.cuda.is_available() and not args.cpu
    args.steps = args.steps or (30 if on_gpu else 4)
    args.warmup = args.warmup if args.warmup is not None else (5 if on_gpu else 1)
    if args.warmup < 1 or args.steps < 1:
        parser.error("--warmup and --steps must be at least 1: the timed window opens after a warm-up step")
    args.batch_size = args.batch_size or (2 if on_gpu else 1)
    args.max_length = args.max_length or (4096 if on_gpu else 512)
    # Same real tokens per step on both sides on average: (rows × row length) ÷ mean sample length.
    args.baseline_batch_size = args.baseline_batch_size or (32 if on_gpu else 2)
    args.examples = args.examples or (4000 if on_gpu else 200)

    with tempfile.TemporaryDirectory(prefix="train-bench-") as scratch:
        scratch = Path(scratch)
        shape = None
        if args.base_model is None:
            from training.tiny_model import random_model_build, tiny_model_build

            shape = args.shape or ("qwen2-0.5b" if on_gpu else "qwen2-small")
            builder = tiny_model_build if shape == "tiny" else random_model_build
            args.base_model = builder(scratch / "model", shape=shape)
        examples = synthetic_examples(args.examples, args.seed)
        data_file = scratch / "train.jsonl"
        data_file.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")

        params = parameter_count(args.base_model)
        weight_flops = 6 if args.method == "full" else 4  # LoRA: no weight gradients of the frozen base
        tokenizer, encoded = _encoded_examples(args.base_model, examples, args.max_length)
        needed = needed_flops_per_token(args.base_model, params, encoded, weight_flops)
        device, peak_tflops = device_description(args.cpu)
        peak_tflops = args.peak_tflops or peak_tflops
        runner = None if args.baseline_only else run_runner(args, data_file, scratch / "runner")
        model_label = str(args.base_model) if shape is None else f"random {shape}"
        baseline = _earlier_baseline(args, model_label) if args.baseline_from else None
        while baseline is None:
            try:
                baseline = run_baseline(args, tokenizer, encoded)
            except torch.cuda.OutOfMemoryError:
                # Unpacked batches padded to the longest sample can exceed a smaller card: halve and say so.
                _peak_mem_reset()
                if args.baseline_batch_size == 1:
                    raise
                args.baseline_batch_size //= 2
                print(f"baseline out of memory: retrying with batch size {args.baseline_batch_size}")

    flops_per_token = weight_flops * params

    def mfu(tokens_per_s: float, per_token: float = flops_per_token) -> float | None:
        if not on_gpu or not peak_tflops:
            return None
        return round(tokens_per_s * per_token / (peak_tflops * 1e12), 4)

    import transformers
    import trl

    if runner is None:
        runner = {"tokens_per_s": 0.0, "peak_mem_mb": None, "timed_steps": 0}
    result = {
        "tokens_per_s": runner["tokens_per_s"],
        "baseline_tokens_per_s": baseline["tokens_per_s"],
        "ratio": round(runner["tokens_per_s"] / baseline["tokens_per_s"], 2)
        if baseline["tokens_per_s"] and runner["tokens_per_s"]
        else None,
        "peak_mem_mb": runner["peak_mem_mb"],
        "baseline_peak_mem_mb": baseline["peak_mem_mb"],
        "device": device,
        "mfu": mfu(runner["tokens_per_s"]),
        "baseline_mfu": mfu(baseline["tokens_per_s"]),
        # The same with the FLOPs the objective needs (see needed_flops_per_token) instead of 6N.
        "mfu_needed_flops": mfu(runner["tokens_per_s"], needed["flops_per_token"]),
        "baseline_mfu_needed_flops": mfu(baseline["tokens_per_s"], needed["flops_per_token"]),
        "needed_flops": {**needed, "flops_per_token_6n": flops_per_token},
        "peak_tflops": peak_tflops if on_gpu else None,
        "method": args.method,
        "model": model_label,
        "parameters": params,
        "steps_timed": runner["timed_steps"],
        "warmup_steps": args.warmup,
        "runner": {
            **runner,
            "batch_size": args.batch_size,
            "max_length": args.max_length,
            "torch_compile": args.torch_compile,
            "liger": args.liger,
        },
        "baseline": {"batch_size": args.baseline_batch_size, **baseline},
        "examples": args.examples,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "trl": trl.__version__},
    }
    rows = [
        ("", "runner (packing)", "Trainer (no packing)"),
        ("tokens/s", f"{runner['tokens_per_s']:.0f}", f"{baseline['tokens_per_s']:.0f}"),
        ("peak memory MiB", str(runner["peak_mem_mb"]), str(baseline["peak_mem_mb"])),
        ("MFU (6N)", str(result["mfu"]), str(result["baseline_mfu"])),
        ("MFU (needed FLOPs)", str(result["mfu_needed_flops"]), str(result["baseline_mfu_needed_flops"])),
    ]
    print(f"device: {device} · model: {result['model']} ({params / 1e6:.0f}M parameters) · {args.method}")
    for row in rows:
        print(f"{row[0]:<20}{row[1]:>20}{row[2]:>24}")
    print(f"ratio: {result['ratio']}")
    profile = runner.get("profile")
    if profile:
        print(
            f"runner profile, ms per step: wall {profile['wall_ms_per_step']}, GPU busy {profile['gpu_busy_ms_per_step']}"
        )
        for group, ms in profile["groups_ms_per_step"].items():
            print(f"  {group:<30}{ms:>10}")
        for name, ms in list(profile["top_kernels_ms_per_step"].items())[:12]:
            print(f"    {ms:>8}  {name[:90]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
