"""Which layer of a Jigsaw++ teacher to cluster: NMI of k-means on each layer of the teacher and of its start.

For each run folder given (`sslkt_run`'s, with `pretext/start.pth` and `pretext/trunk.pth`), each layer conv1…conv5
of both trunks on whole 96-px images, average-pooled to 2×2 (as `features.pool = 'avg2'`; conv1 3×3), is clustered as
the demo clusters (k = 50, PCA to 128, L2, three k-means seeds), and the clusters are compared with the classes
(NMI). The images: 2,000 Imagenette training images that are not among the demo's teacher and probe images (data
seed 0; some may be among its pretext's 3,000 unlabelled images, and all are among those of a teacher trained on
every training image), never the validation split. HOG's NMI on the same images is printed first. `--tiles` also
clusters each layer's features averaged over the 3×3 cells of each image (each cell run through the trunk alone, as
the `tiles` probe does).

  python bench/teacher_layers.py runs/study_cpu/demo_s0 runs/study_cpu/demo_s1 runs/study_cpu/demo_s2
"""
import argparse, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np, torch
from sklearn.metrics import normalized_mutual_info_score as nmi
from sslkt.data import ImageSet
from sslkt.models import load_trunk
from sslkt.evaluate.probes import LayerFeatures
from sslkt.transfer.cluster import Clustering
from sslkt.cache import decode_images
from sslkt.transfer.features import hog_features

ap = argparse.ArgumentParser()
ap.add_argument('runs', nargs='+'); ap.add_argument('--tiles', action='store_true'); ap.add_argument('--n', type=int, default=2000)
ap.add_argument('--data', default=None, help='an Imagenette folder (default: fastai\'s Imagenette 160)')
a = ap.parse_args()
used = set(ImageSet.from_source(a.data, n_train=2000, n_valid=500, seed=0, progress=False).items.path)    # the demo's teacher and probe images
items = ImageSet.from_source(a.data, progress=False).items
tr = items[~items.is_valid.astype(bool) & ~items.path.isin(used)].sample(a.n, random_state=1).reset_index(drop=True)
y = tr.label.astype('category').cat.codes.values
x = torch.from_numpy(np.array(decode_images(tr, 96))).permute(0, 3, 1, 2).float().div(255)

def score(f, name):
    f = f.numpy().astype('float32')
    s = [nmi(y, Clustering(50, 128, False, seed=sd).fit(f).assign(f)[0]) for sd in (0, 1, 2)]
    print(f'{name:40s} NMI {np.mean(s):.3f} ± {np.std(s):.3f}', flush=True)

with torch.no_grad():
    score(torch.cat([hog_features(x[i:i+256]) for i in range(0, len(x), 256)]), 'hog')
    for run in [r for r in a.runs if Path(r, 'pretext', 'trunk.pth').exists()]:
        for nm, p in [('start', f'{run}/pretext/start.pth'), ('teacher', f'{run}/pretext/trunk.pth')]:
            t = load_trunk(p).eval()
            for tiles in ((1, 3) if a.tiles else (1,)):
                lf = LayerFeatures(t, ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'], 96, target=1024, tiles=tiles).eval()
                fs = [lf(x[i:i+128]) for i in range(0, len(x), 128)]
                for o in lf.layers: score(torch.cat([f[o] for f in fs]), f'{run.rstrip("/").split("/")[-1]} {nm} {o}{" tiles" if tiles > 1 else ""}')
