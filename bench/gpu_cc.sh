#!/usr/bin/env bash
# Second GPU check, one script: puzzle share of a step at a large batch, then cluster classification of a fresh
# AlexNet on HOG pseudo-labels (k=50) of a 160-px Imagenette subset. Expects .whl/ and .gpudata/ as bench/gpu.sh, plus
# .gpudata/hog_k50/pseudo_labels.csv (paths relative to the repository root).
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-runs/gpu}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 bench/puzzles.py --data .gpudata/imagenette2-160s --n 512 --gpu_bs 1024 2>&1 | grep -v Warn | tee "$OUT/bench_puzzles_bs1024.txt"
python3 -c "from sslkt.cli import sslkt_cc; sslkt_cc(labels='.gpudata/hog_k50', out='$OUT/cc', epochs=${EPOCHS:-40}, lr=2e-3, size=160, bs=256, workers=14)" 2>&1 \
  | grep -v -e Warn -e 'Epoch [0-9]' | tr -d '\r' | tee "$OUT/cc.txt"
