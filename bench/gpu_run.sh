#!/usr/bin/env bash
# GPU benchmark run for the training issue, sized for a short lease on one H100/H200:
#   train    — train_bench: plain Trainer (no packing) once, then the runner (packing, flex
#              attention, Liger kernels) at 8 × 4096 tokens per step (profiled: GPU time by
#              kernel group) and at 16 × 4096, each against that same baseline (same model, data
#              and machine)
#   latency  — reply_latency: a model reply streamed over the chat WebSocket vs generate(), with
#              the model in the ASGI process and in the inference worker process
#   compile  — the runner under torch.compile without Liger, batches padded to one length
#
#   OUT=/some/dir STAGES="train latency compile" bash bench/gpu_run.sh
#
# The machine's python3 must hold a CUDA torch. Packages it lacks travel as wheels in .whl/
# (see bench/README.md) and are installed into /tmp/site. Results: $OUT/*.json and $OUT/gpu_run.log.
set -u
OUT=${OUT:-$(pwd)/bench-out}
STAGES=${STAGES:-"train latency compile"}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
START=$(date +%s)
elapsed() { echo $(( $(date +%s) - START )); }
exec > >(tee -a "$OUT/gpu_run.log") 2>&1
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false

if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
python3 -c 'import torch, transformers, trl; print("torch", torch.__version__, "transformers", transformers.__version__, "trl", trl.__version__, torch.cuda.get_device_name(0))'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

quiet() { grep -v -E 'it/s\]|examples/s\]|Warning|warn\(|^\s*$'; }

MODEL=/tmp/qwen2-0.5b-random
BENCH="python3 bench/train_bench.py --base-model $MODEL --steps 20 --warmup 5 --baseline-batch-size 16"
RUNNER="$BENCH --attn flex_attention --max-length 4096 --baseline-from $OUT/tb_baseline.json"
if [[ " $STAGES " == *" train "* || " $STAGES " == *" compile "* ]]; then
  python3 -m training.tiny_model "$MODEL" --shape qwen2-0.5b >/dev/null
  echo "== [$(elapsed)s] baseline: plain Trainer, no packing, 16 samples per step"
  timeout 150 $BENCH --baseline-only --json "$OUT/tb_baseline.json" 2>&1 | quiet | tail -5
fi
if [[ " $STAGES " == *" train "* ]]; then
  echo "== [$(elapsed)s] runner: flex attention, Liger kernels, 8 × 4096, profiled"
  timeout 150 $RUNNER --liger --batch-size 8 --profile-steps 2 --json "$OUT/tb_liger_b8.json" 2>&1 | quiet | tail -45
  echo "== [$(elapsed)s] runner: flex attention, Liger kernels, 16 × 4096"
  timeout 120 $RUNNER --liger --batch-size 16 --json "$OUT/tb_liger_b16.json" 2>&1 | quiet | tail -7
fi

if [[ " $STAGES " == *" latency "* ]]; then
  for mode in "" "--in-worker"; do
    echo "== [$(elapsed)s] reply_latency $mode: WebSocket vs generate, random Qwen2-0.5B shape"
    timeout 150 python3 bench/reply_latency.py --shape qwen2-0.5b --replies 6 --tokens 64 $mode \
      --json "$OUT/reply_latency${mode:+_worker}.json" 2>&1 | quiet | tail -6
  done
fi

if [[ " $STAGES " == *" compile "* ]] && [ "$(elapsed)" -lt "${COMPILE_BEFORE_S:-470}" ]; then
  echo "== [$(elapsed)s] runner: flex attention, torch.compile (no Liger), 8 × 4096 padded to one length, profiled"
  timeout $(( ${LIMIT_S:-570} - $(elapsed) )) $RUNNER --torch-compile --batch-size 8 --profile-steps 2 \
    --json "$OUT/tb_compile_b8.json" 2>&1 | quiet | tail -45
fi
echo "== done in $(elapsed)s"
ls -l "$OUT"
