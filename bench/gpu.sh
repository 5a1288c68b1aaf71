#!/usr/bin/env bash
# The GPU checks as one script, for a bare GPU machine: puzzle throughput and the share of a
# training step, then Jigsaw++ pretext training on a 160-px Imagenette subset within a time budget.
# Expects wheels in .whl/ (fastai & co., built for the GPU machine's Python) and data in .gpudata/imagenette2-160s.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-runs/gpu}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, fastai, sslkt.pretext.train; print('torch', torch.__version__, 'fastai', fastai.__version__)" || exit 1
python3 bench/puzzles.py --data .gpudata/imagenette2-160s --n 512 --gpu_bs 256 2>&1 | grep -v Warn | tee "$OUT/bench_puzzles.txt"
python3 bench/pretext.py --data .gpudata/imagenette2-160s --out "$OUT/jigsawpp" --budget "${BUDGET:-300}" --bs 256 --workers 14 2>&1 \
  | grep -v -e Warn -e '^█' | tee "$OUT/pretext.txt" | grep -v 'Epoch [0-9]'
