#!/usr/bin/env bash
# GPU benchmark run for the training issue: train_bench (runner vs plain Trainer) on a randomly
# initialised Qwen2-0.5B-shaped model, then reply_latency over the WebSocket. Whole script < 6 min.
#
#   OUT=/some/dir bash bench/gpu_run.sh
#
# Uses the machine's own python when its torch sees a GPU (the CUDA build is needed; the
# requirements.txt pin resolves to the CPU wheel). Packages that python lacks are installed from
# requirements.txt (minus torch) into a venv that sees the system site-packages; with no network
# the benches that need them are skipped with a message. Results: $OUT/*.json and $OUT/*.log.
set -u
OUT=${OUT:-$(pwd)/bench-out}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
START=$(date +%s)
elapsed() { echo $(( $(date +%s) - START )); }

PY=${PYTHON:-python3}
echo "== python: $($PY --version 2>&1) at $(command -v $PY)"
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>&1 | tee "$OUT/torch.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null | tee -a "$OUT/torch.txt"

if ! $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  if [ -x .venv/bin/python ] && .venv/bin/python -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    PY=.venv/bin/python
  else
    echo "!! no python with a CUDA torch found; the numbers below would be CPU numbers"
  fi
fi

need_train='import transformers, trl, peft, datasets, accelerate, tokenizers, psutil'
need_web='import pytest, django, channels, daphne, uvicorn, websockets, rest_framework, drf_spectacular, environ, celery, whitenoise, redis, pyarrow'
if ! $PY -c "$need_train; $need_web" 2>/dev/null; then
  echo "== installing the missing packages from requirements.txt (torch excluded) into /tmp/troupe-bench-venv"
  $PY -m venv --system-site-packages /tmp/troupe-bench-venv \
    && grep -v -i '^torch==' requirements.txt > /tmp/troupe-bench-req.txt \
    && timeout 150 /tmp/troupe-bench-venv/bin/pip install -q --disable-pip-version-check -r /tmp/troupe-bench-req.txt \
    && PY=/tmp/troupe-bench-venv/bin/python
  $PY -c 'import torch; print("bench python:", torch.__version__, torch.cuda.is_available())'
fi

if $PY -c "$need_train" 2>/dev/null; then
  echo "== [$(elapsed)s] train_bench: runner (packing) vs Trainer (no packing), random Qwen2-0.5B shape, bf16"
  timeout 200 $PY bench/train_bench.py --shape qwen2-0.5b --steps 30 --warmup 5 --json "$OUT/train_bench.json" 2>&1 \
    | grep -v -E 'it/s\]|examples/s\]|Warning|warn\(' | tee "$OUT/train_bench.log" | tail -8
else
  echo "!! transformers/trl/peft/datasets missing and not installable: train_bench skipped"
fi

if [ "$(elapsed)" -lt 230 ] && $PY -c "$need_train" 2>/dev/null; then
  echo "== [$(elapsed)s] train_bench with flex attention for the runner (packed block mask; compiled kernel)"
  timeout 110 $PY bench/train_bench.py --shape qwen2-0.5b --steps 15 --warmup 5 --attn flex_attention \
    --json "$OUT/train_bench_flex.json" 2>&1 | grep -v -E 'it/s\]|examples/s\]|Warning|warn\(' \
    | tee "$OUT/train_bench_flex.log" | tail -8
fi

if $PY -c "$need_train; $need_web" 2>/dev/null && [ "$(elapsed)" -lt 300 ]; then
  echo "== [$(elapsed)s] reply_latency: WebSocket vs generate, random Qwen2-0.5B shape"
  timeout $(( 350 - $(elapsed) )) $PY bench/reply_latency.py --shape qwen2-0.5b --replies 6 --tokens 64 \
    --json "$OUT/reply_latency.json" 2>&1 | grep -v -E 'it/s\]|Warning|warn\(' | tee "$OUT/reply_latency.log" | tail -8
else
  echo "!! reply_latency skipped (web packages missing or out of time)"
fi
echo "== done in $(elapsed)s; results in $OUT"
ls -l "$OUT"
