"""Linear probes of trunks on held-out training images: the demo's probe settings (conv1…conv5, 96 px, 10 epochs),
trained on the demo's 2,000 training images (data seed 0) and scored on 1,000 other training images (some may be
among the pretext's unlabelled images) — never the validation split that tables report. `--rebn` also probes each
trunk with its BatchNorm statistics re-estimated on whole images (the 2,000, weights frozen), to tell whether
statistics gathered on tiles are what holds a trunk back.

  python bench/probe_heldout.py runs/demo/pretext/start.pth runs/demo/pretext/trunk.pth --rebn
"""
import argparse, tempfile, warnings
warnings.filterwarnings('ignore')
import numpy as np, pandas as pd, torch
from torch.optim.swa_utils import update_bn
from sslkt.data import ImageSet
from sslkt.models import load_trunk
from sslkt.evaluate.probes import evaluate
from sslkt.transfer.features import normalize_images, trunk_norm
from sslkt.cache import decode_images

ap = argparse.ArgumentParser()
ap.add_argument('trunks', nargs='+'); ap.add_argument('--rebn', action='store_true')
a = ap.parse_args()
demo = ImageSet.from_source(n_train=2000, n_valid=500, seed=0, progress=False)
tr = demo.items[~demo.items.is_valid.astype(bool)]
items = ImageSet.from_source(progress=False).items
held = items[~items.is_valid.astype(bool) & ~items.path.isin(set(demo.items.path))].sample(1000, random_state=2)
imgs = ImageSet(pd.concat([tr, held.assign(is_valid=True)]).reset_index(drop=True))
x = torch.from_numpy(np.array(decode_images(tr, 96))).permute(0, 3, 1, 2).float().div(255)

def rebn(t):
    "BatchNorm statistics recomputed (cumulative average, torch's `update_bn`) on whole images, weights unchanged"
    n = trunk_norm(t)
    update_bn((normalize_images(x[i:i+100], n) for i in range(0, len(x), 100)), t)
    return t.eval()

for p in a.trunks:
    for bn in ((False, True) if a.rebn else (False,)):
        t = load_trunk(p); t = rebn(t) if bn else t.eval()
        with tempfile.TemporaryDirectory() as features_dir:       # each trunk's features (hundreds of MB), gone once probed
            r = evaluate(t, imgs, 'linear', features_dir=features_dir, size=96, epochs=10, progress=False, num_workers=0)
        print(f'{p}{" (BN on whole images)" if bn else ""}: linear conv1…conv5', ' / '.join(f'{o["score"]:.3f}' for o in r), flush=True)
