#!/usr/bin/env bash
# GPU benchmark run for the training issue, sized for a short lease on one H100/H200:
#   compile  — train_bench: plain Trainer (no packing) once, then the runner (packing, flex
#              attention) under torch.compile, batches padded to one length, profiled (GPU time
#              by kernel group), against that baseline (same model, data and machine)
#   train    — the runner with Liger kernels instead, at 8 × 4096 tokens per step (profiled)
#              and at 16 × 4096, against the same baseline
#   latency  — reply_latency: a model reply streamed over the chat WebSocket vs generate(), with
#              the model in the ASGI process and in the inference worker process
#   serve    — serve_load: 32 (then 16) human–machine chats at once over the WebSocket with the
#              inference worker's continuous batching, vs generate() for one reply alone; and
#              reply_latency for one chat through the worker (the streaming rate vs generate())
#
#   OUT=/some/dir STAGES="compile train latency" LIMIT_S=570 bash bench/gpu_run.sh
#
# A stage whose timeout would end past LIMIT_S seconds is skipped, and the log says so; all three
# stages take about 11 minutes, more than one 10-minute device call: give two calls two STAGES.
#
# The machine's python3 must hold a CUDA torch. Packages it lacks travel as wheels in .whl/, or
# the folder WHEELS names (see bench/README.md), and are installed into /tmp/site, beside what an
# earlier call on the same machine installed there. Results: $OUT/*.json and $OUT/gpu_run.log.
set -u
OUT=${OUT:-$(pwd)/bench-out}
STAGES=${STAGES:-"compile train latency"}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
START=$(date +%s)
elapsed() { echo $(( $(date +%s) - START )); }
exec > >(tee -a "$OUT/gpu_run.log") 2>&1
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false

WHEELS=${WHEELS:-.whl}
if ls "$WHEELS"/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl
fi
[ -d /tmp/site ] && export PYTHONPATH=/tmp/site
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__, torch.cuda.get_device_name(0))'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

quiet() { grep -v -E 'it/s\]|examples/s\]|Warning|warn\(|^\s*$'; }

LIMIT_S=${LIMIT_S:-570}
# Runs a stage when its timeout still fits before LIMIT_S; says so when it does not.
stage() {
  local seconds=$1 title=$2; shift 2
  if [ $(( $(elapsed) + seconds )) -gt "$LIMIT_S" ]; then
    echo "== [$(elapsed)s] skipped, ${seconds}s would pass LIMIT_S=${LIMIT_S}s: $title"
    return
  fi
  echo "== [$(elapsed)s] $title"
  timeout "$seconds" "$@" 2>&1 | quiet | tail -45
}

MODEL=/tmp/qwen2-0.5b-random
BENCH="python3 bench/train_bench.py --base-model $MODEL --steps 20 --warmup 5 --baseline-batch-size 16"
RUNNER="$BENCH --attn flex_attention --max-length 4096 --baseline-from $OUT/tb_baseline.json"
if [[ " $STAGES " == *" train "* || " $STAGES " == *" compile "* ]]; then
  python3 -m training.tiny_model "$MODEL" --shape qwen2-0.5b >/dev/null
  stage 150 "baseline: plain Trainer, no packing, 16 samples per step" \
    $BENCH --baseline-only --json "$OUT/tb_baseline.json"
  [ -s "$OUT/tb_baseline.json" ] || { echo "== no baseline measurement: the runner stages cannot run"; STAGES=${STAGES//train/}; STAGES=${STAGES//compile/}; }
fi
if [[ " $STAGES " == *" compile "* ]]; then
  stage 200 "runner: flex attention, torch.compile (no Liger), 8 × 4096 padded to one length, profiled" \
    $RUNNER --torch-compile --batch-size 8 --profile-steps 2 --json "$OUT/tb_compile_b8.json"
fi
if [[ " $STAGES " == *" train "* ]]; then
  stage 150 "runner: flex attention, Liger kernels, 8 × 4096, profiled" \
    $RUNNER --liger --batch-size 8 --profile-steps 2 --json "$OUT/tb_liger_b8.json"
  stage 120 "runner: flex attention, Liger kernels, 16 × 4096" \
    $RUNNER --liger --batch-size 16 --json "$OUT/tb_liger_b16.json"
fi
if [[ " $STAGES " == *" latency "* ]]; then
  for mode in "" "--in-worker"; do
    stage 150 "reply_latency $mode: WebSocket vs generate, random Qwen2-0.5B shape" \
      python3 bench/reply_latency.py --shape qwen2-0.5b --replies 6 --tokens 64 $mode \
      --json "$OUT/reply_latency${mode:+_worker}.json"
  done
fi
if [[ " $STAGES " == *" serve "* ]]; then
  for chats in 32 16; do
    stage 240 "serve_load: $chats chats at once over WebSocket, continuous batching, random Qwen2-0.5B shape" \
      python3 bench/serve_load.py --chats "$chats" --tokens 64 --shape qwen2-0.5b --json "$OUT/serve_load_$chats.json"
    [ "$chats" = 32 ] && stage 150 "reply_latency --in-worker: one chat's streaming rate vs generate" \
      python3 bench/reply_latency.py --shape qwen2-0.5b --replies 6 --tokens 64 --in-worker \
      --json "$OUT/reply_latency_worker.json"
  done
fi
echo "== done in $(elapsed)s"
ls -l "$OUT"
