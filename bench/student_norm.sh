#!/usr/bin/env bash
# A HOG-CC student (5 CPU epochs) and the NMI of its conv5 clusters when fed its own (ImageNet) normalisation vs
# per-image (the earlier default): the README's row "a student's input normalisation". Prints bench/teachers.py lines for each.
set -e
export FASTAI_HOME=${FASTAI_HOME:?set FASTAI_HOME to a fastai home holding data/imagenette2-160} MPLBACKEND=Agg
B=.venv/bin; R=${OUT:-runs/i12}
$B/sslkt_features --out $R/hog --teacher hog --size 128 --n_train 3000 --n_valid 500 --workers 2
$B/sslkt_cluster --out $R/clusters --features $R/hog --k 50 --d 128 --no_whiten --nredo 3
$B/sslkt_cc --labels $R/clusters --out $R/cc --epochs 5 --size 128 --lr 2e-3 --workers 2
for n in imagenet per_image; do $B/python bench/teachers.py --out $R/t_$n --teachers $R/cc --norm $n --n_train 1500 --n_valid 500 --size 128 --workers 2; done
