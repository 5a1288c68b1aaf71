#!/usr/bin/env bash
# The GPU study as one command, run in the repository root:
#   throughput of fastai's loaders vs images held on the GPU (pretext, cc, features), the puzzle maker's share of an
#   AlexNet step (eager and torch.compile), faiss k-means at the paper's size, then the study
#   (`sslkt.study.study('gpu')`: Jigsaw, Jigsaw++, a Jigsaw++ VGG16-BN, CC from each and from HOG, random,
#   supervised, k study; linear, k-NN and fine-tuning on 10 and 50 labelled images a class) on all of Imagenette at 96 px, and the NMI of each Jigsaw teacher's layers (`teacher_layers.py`).
# On a machine without network access, put beside the checkout: .whl/ (pip download --no-deps: fastai fastcore
#   fastprogress python-fasthtml and their pure-Python dependencies, faiss-cpu, scikit-image if absent) and
#   .gpudata/fastai/data/imagenette2-96 (a copy of that folder of a fastai home). The study writes to runs/gpu_study
#   and resumes its finished stages: a second call continues where a time limit stopped the first. Reports (no
#   weights, no features) are copied to $OUT.
#   SEEDS="0 1 2" for three seeds; STUDY_S limits the study's seconds (default 360).
set -uo pipefail
# Elsewhere (sslkt installed, Imagenette under FASTAI_HOME), it runs as is: without .whl/ nothing is installed, and
#   without .gpudata/ the 96-px set is looked for under FASTAI_HOME.
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
[ -d .gpudata/fastai ] && export FASTAI_HOME=$PWD/.gpudata/fastai SSLKT_HOME=/tmp/sslkt_home
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-runs/gpu}; mkdir -p "$OUT"
DATA=${FASTAI_HOME:-$HOME/.fastai}/data/imagenette2-96
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, fastai, faiss, sslkt.study; print('torch', torch.__version__, 'fastai', fastai.__version__, 'faiss', faiss.__version__)" || exit 1
python3 bench/throughput.py --data "$DATA" --n_images 9469 --size 96 --crop 90 --tile 26 --bs 256 --batches 30 \
  --fc6 1024 --fc7 4096 --workers 14 2>&1 | grep -v -i warn | tee "$OUT/throughput.txt"
python3 bench/puzzles.py --data "$DATA" --n 256 --size 96 --crop 90 --tile 26 --jitter 2 --gpu_bs 256 2>&1 \
  | grep -v -i warn | tee "$OUT/puzzles.txt"
python3 bench/kmeans.py --paper --max_iter 20 2>&1 | grep -v -i warn | tee "$OUT/kmeans_paper.txt"
SEEDS=${SEEDS:-0}
timeout "${STUDY_S:-360}" python3 -c "
import warnings; warnings.filterwarnings('ignore')
from sslkt.study import study
study('gpu', seeds=[int(s) for s in '$SEEDS'.split()], out='runs/gpu_study', data='$DATA')
" 2>&1 | grep -v -e 'Epoch [0-9]' | tee "$OUT/study.log"
python3 bench/teacher_layers.py --data "$DATA" 'runs/gpu_study/jigsaw++_s0' runs/gpu_study/jigsaw_s0 2>&1 | grep -v -i warn \
  | tee "$OUT/teacher_layers.txt"      # which layer of each teacher makes the best clusters (the demo clusters conv2)
(cd runs/gpu_study && find . \( -name '*.md' -o -name '*.csv' -o -name '*.png' -o -name '*.json' \) -size -2M \
  -not -path '*/features/*' -not -name 'items.csv' -print0 | xargs -0 -r cp --parents -t "$OUT") 2>/dev/null
echo "reports in $OUT"
