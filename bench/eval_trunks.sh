#!/usr/bin/env bash
# sslkt_eval, all four protocols, on a random AlexNet, a Jigsaw++ trunk (trained here, 4 CPU epochs) and a CC student
# ($CC, default: the one bench/student_norm.sh trains). Last line of each command: protocol=… layer=score …
set -e
export FASTAI_HOME=${FASTAI_HOME:?set FASTAI_HOME to a fastai home holding data/imagenette2-160} MPLBACKEND=Agg PYTHONWARNINGS=ignore
B=.venv/bin; R=${OUT:-runs/i7}
T0=$(date +%s)
$B/sslkt_pretrain --out $R/jigsaw --task jigsaw++ --n_perms 100 --data $FASTAI_HOME/data/imagenette2-96 --size 96 --crop 90 --tile 26 --n_train 3000 --n_valid 500 --epochs 4 --lr 1e-3 --bs 64 --workers 2 2>&1 | grep -v "Epoch\|it/s" | tail -4
echo "pretrain $(( $(date +%s) - T0 ))s"
for m in random:alexnet $R/jigsaw ${CC:-runs/i12/cc}; do
  for p in linear nonlinear knn finetune; do
    T=$(date +%s)
    $B/sslkt_eval --model $m --protocol $p --out $R/eval --size 128 --n_train 3000 --n_valid 1000 --epochs $([ $p = finetune ] && echo 3 || echo 10) --workers 2 2>&1 | tail -1
    echo "  ($m $p: $(( $(date +%s) - T ))s)"
  done
done
