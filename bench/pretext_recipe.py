"""One pretext attempt at a fixed budget, judged against its own start on held-out *training* images (never the
validation split that tables report).

Trains a Jigsaw++ AlexNet (`jigsaw_learner`, images decoded once and cropped in memory) on `--n` training images
of Imagenette 160, then probes its initial and its final trunk the same way (`evaluate(..., 'linear')`, conv1…conv5,
96 px): probes trained on 1,000 training images and scored on 500 others, all three sets disjoint and fixed
(shuffle seed 123). Prints one JSON line: the settings, seconds, the last epoch's (train loss, valid loss,
permutation accuracy), ‖W−W₀‖/‖W₀‖ per conv stage, the start's and the end's probe accuracies, and their
differences; appends it to `--log`.

The attempts behind the demo's recipe (the reproduce tutorial's table):
  python bench/pretext_recipe.py --name adam1e-3_e4 --opt adam --lr 1e-3 --wd 0.01 --epochs 4
  python bench/pretext_recipe.py --name sgd_e24 --epochs 24
  python bench/pretext_recipe.py --name sgd_e48 --epochs 48 --save runs/e48/pretext   # twice the epochs; trunks kept
  python bench/pretext_recipe.py --name sgd_e24_gap --size 112 --crop 105 --epochs 24     # wider gap
  python bench/pretext_recipe.py --name sgd_e12_tile41 --size 160 --crop 144 --tile 41 --epochs 12   # 4x4 maps
  python bench/pretext_recipe.py --name sgd_e24_trunk0.1 --epochs 24 --trunk_lr 0.1   # the trunk at a tenth of the head's rate
"""
import argparse, json, time, copy, warnings, os
warnings.filterwarnings('ignore')
import numpy as np, pandas as pd, torch
from functools import partial
from fastai.optimizer import SGD, Adam
from sslkt.data import ImageSet
from sslkt.cache import ImageCache, cached_dls
from sslkt.pretext.train import jigsaw_learner, jigsaw_splitter
from sslkt.evaluate.probes import evaluate
from sslkt.models import make_trunk

ap = argparse.ArgumentParser()
ap.add_argument('--name', required=True); ap.add_argument('--opt', default='sgd'); ap.add_argument('--lr', type=float, default=0.01)
ap.add_argument('--wd', type=float, default=5e-4); ap.add_argument('--epochs', type=int, default=4)
ap.add_argument('--n', type=int, default=3000); ap.add_argument('--size', type=int, default=96); ap.add_argument('--crop', type=int, default=90)
ap.add_argument('--tile', type=int, default=26); ap.add_argument('--jitter', type=int, default=2); ap.add_argument('--stride', type=int, default=2)
ap.add_argument('--perms', type=int, default=100); ap.add_argument('--bf16', type=int, default=1); ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--fc6', type=int, default=512); ap.add_argument('--fc7', type=int, default=1024); ap.add_argument('--bs', type=int, default=64)
ap.add_argument('--probe_size', type=int, default=96); ap.add_argument('--gray', type=float, default=0.3)
ap.add_argument('--trunk_lr', type=float, default=1.0, help="the trunk's learning rate as a fraction of the head's")
ap.add_argument('--log', default='pretext_recipe.jsonl'); ap.add_argument('--cache', default=None)
ap.add_argument('--save', default=None, help='a folder for start.pth and trunk.pth (the initial and the trained trunk)')
a = ap.parse_args()
torch.manual_seed(0)
full = ImageSet.from_source(None, check=False)
tr = full.items[~full.items.is_valid].sample(frac=1, random_state=123).reset_index(drop=True)
pre = tr.iloc[:a.n].assign(is_valid=False)
pre = pd.concat([pre, tr.iloc[a.n:a.n+300].assign(is_valid=True)])          # pretext's own validation puzzles
probe = pd.concat([tr.iloc[-1500:-500].assign(is_valid=False), tr.iloc[-500:].assign(is_valid=True)])  # held-out training images
pimgs = ImageSet(probe.reset_index(drop=True), source='imagenette-train-heldout')
dls = cached_dls(ImageSet(pre.reset_index(drop=True)), a.size, a.bs, device='cpu')
opt = partial(SGD, mom=0.9) if a.opt == 'sgd' else Adam
split = dict(splitter=jigsaw_splitter) if a.trunk_lr != 1 else {}
learn = jigsaw_learner(dls, 'jigsaw++', 'alexnet', a.perms, a.crop, a.tile, a.jitter, a.gray, a.fc6, a.fc7, conv1_stride=a.stride,
                       seed=a.seed, use_amp=bool(a.bf16), opt_func=opt, wd=a.wd, **split)
start = copy.deepcopy(learn.model.trunk)
t0 = time.time()
with learn.no_bar(): learn.fit_one_cycle(a.epochs, slice(a.lr * a.trunk_lr, a.lr) if a.trunk_lr != 1 else a.lr)
secs = time.time() - t0
end = learn.model.trunk
if a.save:
    from sslkt.models import save_trunk
    save_trunk(start, f'{a.save}/start.pth', note='the initial weights'); save_trunk(end, f'{a.save}/trunk.pth', task='jigsaw++', epochs=a.epochs)
mv = {n: float((dict(end.named_parameters())[n] - p).norm() / p.norm()) for n, p in start.named_parameters() if p.dim() == 4}
ic = ImageCache(pimgs, a.probe_size, 'cpu')
res = {}
for tag, t in [('start', start), ('end', end)]:
    t.eval()
    r = evaluate(t, pimgs, 'linear', cache=a.cache, size=a.probe_size, epochs=10, seed=0, progress=False, image_cache=ic)
    res[tag] = [round(o['score'], 3) for o in r]
rec = dict(vars(a), secs=round(secs), hist=[[round(float(x), 3) for x in v[:3]] for v in learn.recorder.values], move=[round(v, 2) for v in mv.values()], **res,
           diff=[round(e - s, 3) for e, s in zip(res['end'], res['start'])])
print(json.dumps(rec))
open(a.log, 'a').write(json.dumps(rec) + '\n')
