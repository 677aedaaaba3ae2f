#!/usr/bin/env bash
# GPU benchmark run for the training issue, sized for a short lease on one H100/H200:
#   train    — train_bench: plain Trainer (no packing) once, then the runner (packing, flex
#              attention, 8 × 4096-token rows) plain, with Liger kernels, and with Liger +
#              torch.compile, each against that same baseline (same model, data and machine)
#   latency  — reply_latency: a model reply streamed over the chat WebSocket vs generate()
#
#   OUT=/some/dir STAGES="train latency" bash bench/gpu_run.sh
#
# The machine's python3 must hold a CUDA torch. Packages it lacks travel as wheels in .whl/
# (see bench/README.md) and are installed into /tmp/site. Results: $OUT/*.json and $OUT/gpu_run.log.
set -u
OUT=${OUT:-$(pwd)/bench-out}
STAGES=${STAGES:-"train latency"}
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

if [[ " $STAGES " == *" train "* ]]; then
  MODEL=/tmp/qwen2-0.5b-random
  python3 -m training.tiny_model "$MODEL" --shape qwen2-0.5b >/dev/null
  BENCH="python3 bench/train_bench.py --base-model $MODEL --steps 20 --warmup 5 --baseline-batch-size 16"
  echo "== [$(elapsed)s] baseline: plain Trainer, no packing, 16 samples per step"
  timeout 170 $BENCH --baseline-only --json "$OUT/tb_baseline.json" 2>&1 | quiet | tail -5
  RUNNER="$BENCH --attn flex_attention --batch-size 8 --max-length 4096 --baseline-from $OUT/tb_baseline.json"
  echo "== [$(elapsed)s] runner: flex attention, 8 × 4096"
  timeout 120 $RUNNER --json "$OUT/tb_flex_b8.json" 2>&1 | quiet | tail -6
  echo "== [$(elapsed)s] runner: flex attention, 8 × 4096, Liger kernels"
  timeout 120 $RUNNER --liger --json "$OUT/tb_flex_b8_liger.json" 2>&1 | quiet | tail -6
  if [ "$(elapsed)" -lt 330 ]; then
    echo "== [$(elapsed)s] runner: flex attention, 8 × 4096, Liger kernels, torch.compile"
    timeout $(( 450 - $(elapsed) )) $RUNNER --liger --torch-compile --json "$OUT/tb_flex_b8_liger_compile.json" 2>&1 \
      | quiet | tail -6
  fi
fi

if [[ " $STAGES " == *" latency "* ]]; then
  echo "== [$(elapsed)s] reply_latency: WebSocket vs generate, random Qwen2-0.5B shape"
  timeout 200 python3 bench/reply_latency.py --shape qwen2-0.5b --replies 6 --tokens 64 \
    --json "$OUT/reply_latency.json" 2>&1 | quiet | tail -10
fi
echo "== done in $(elapsed)s"
ls -l "$OUT"
