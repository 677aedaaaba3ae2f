"""Tiny chat models built locally, for tests and benchmarks: nothing is ever downloaded.

``tiny_model_build(out_dir)`` trains a byte-level BPE tokenizer on a little text, builds a
few-layer model of a real architecture (Qwen2 or Llama) with random weights and saves both with
``save_pretrained``, so the directory loads like any Hugging Face checkpoint. ``random_model_build``
does the same at a real model's shape (e.g. Qwen2-0.5B) for speed benchmarks, reusing a tiny
tokenizer padded to the shape's vocabulary size.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ("<|endoftext|>", "<|pad|>")

DEFAULT_TEXT = (
    "Hello there, traveller. The lighthouse keeper lives on a windy island.",
    "What do you do all day? I keep the lamp burning and write in my log.",
    "Do you ever get lonely? Sometimes, but the gulls keep me company.",
    "你好，旅行者。我是灯塔看守人，住在一个风很大的小岛上。",
    "你每天做什么？我让灯一直亮着，还写航海日志。",
    "你会孤单吗？有时候会，不过海鸥陪着我。",
    "[用户]今天天气怎么样？\n[灯塔看守人]风很大，浪也很高。",
    "The quick brown fox jumps over the lazy dog. 0123456789 !?.,;:'\"()[]{}",
)

# Shapes of real models, for benchmarks on randomly initialised weights.
SHAPES: dict[str, dict] = {
    "tiny": {
        "architecture": "qwen2",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
    },
    "qwen2-0.5b": {
        "architecture": "qwen2",
        "vocab_size": 151936,
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": True,
    },
    "qwen2-small": {  # a CPU-sized stand-in with the same structure, for quick bench runs
        "architecture": "qwen2",
        "vocab_size": 8192,
        "hidden_size": 128,
        "intermediate_size": 352,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": True,
    },
}


def tokenizer_build(texts: Iterable[str] = DEFAULT_TEXT, *, vocab_size: int = 600):
    """A byte-level BPE tokenizer trained on ``texts`` (any input still encodes, byte by byte)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(list(texts), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token=SPECIAL_TOKENS[0],
        pad_token=SPECIAL_TOKENS[1],
        model_max_length=4096,
    )


def _config(shape: dict, vocab_size: int, tokenizer):
    from transformers import LlamaConfig, Qwen2Config

    fields = {k: v for k, v in shape.items() if k != "architecture"}
    fields["vocab_size"] = max(vocab_size, fields.get("vocab_size", 0))
    config_class = Qwen2Config if shape["architecture"] == "qwen2" else LlamaConfig
    return config_class(
        **fields,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )


def tiny_model_build(
    out_dir: str | Path,
    *,
    texts: Iterable[str] = DEFAULT_TEXT,
    architecture: str = "qwen2",
    seed: int = 0,
    shape: str = "tiny",
    chat_template: str | None = None,
    special_tokens: Iterable[str] = (),
) -> Path:
    """Save a randomly initialised model plus tokenizer under ``out_dir`` and return the path.

    The tokenizer has no chat template unless one is given, so the runner's CharacterGLM-style
    fallback template is what trains it. ``special_tokens`` (a template's ``<|im_end|>``, …) each
    become one token.
    """
    import torch
    from transformers import AutoModelForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    tokenizer = tokenizer_build(texts)
    if special_tokens:
        tokenizer.add_special_tokens({"additional_special_tokens": list(special_tokens)})
    if chat_template:
        tokenizer.chat_template = chat_template
    spec = dict(SHAPES[shape])
    spec["architecture"] = architecture
    config = _config(spec, len(tokenizer), tokenizer)
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def random_model_build(out_dir: str | Path, *, shape: str = "qwen2-0.5b", seed: int = 0) -> Path:
    """A randomly initialised model of a real shape (bench use); weights are saved in bf16 to keep it small."""
    import torch
    from transformers import AutoModelForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    tokenizer = tokenizer_build(DEFAULT_TEXT)
    config = _config(SHAPES[shape], len(tokenizer), tokenizer)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    with torch.no_grad():
        # The real shape's vocabulary is far larger than the local tokenizer's: ids past the
        # tokenizer decode to nothing, so give them zero logits and let greedy decoding pick real ones.
        model.get_output_embeddings().weight[len(tokenizer) :] = 0
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a randomly initialised chat model locally.")
    parser.add_argument("out", help="directory to write the model and tokenizer to")
    parser.add_argument("--shape", default="tiny", choices=sorted(SHAPES))
    parser.add_argument("--architecture", default="qwen2", choices=("qwen2", "llama"))
    args = parser.parse_args(argv)
    if args.shape == "tiny":
        path = tiny_model_build(args.out, architecture=args.architecture)
    else:
        path = random_model_build(args.out, shape=args.shape)
    print(path)


if __name__ == "__main__":
    main()
