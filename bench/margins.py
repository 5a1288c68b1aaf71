"""The margins of the default tests' stochastic assertions, over seeds 0, 1, 2 and both precisions of CPU training.

Each check recomputes what one assertion of the default tests compares (the same images, sizes and epochs) with the
seed of its networks and of its batch order set to 0, 1 and 2, its training once in bf16 autocast (where the CPU
multiplies bf16 natively, as `sslkt.utils.cpu_bf16` finds) and once in fp32, and prints one line each:
  check=NAME where=FILE precision=bf16|fp32 seed=S value=… bound=… slack=…
then, per check, the smallest slack over seeds and precisions. A slack near 0 calls for a wider margin or more images.
Checks without training (k-means) run once per seed, in fp32.

    python bench/margins.py                        # every check (14 min 34 s on 2 cores of an Intel Xeon)
    python bench/margins.py --only cc_memorises    # one of them
"""
import argparse, shutil, tempfile, warnings
from pathlib import Path
import numpy as np, pandas as pd, torch
import sslkt.utils
from fastai.callback.core import Callback
from fastai.torch_core import set_seed
from sslkt.data import ImageSet
from sslkt.models import make_trunk, save_trunk
from sslkt.transfer.features import extract_features, TrunkTeacher
from sslkt.transfer.cluster import Clustering, cluster_scores
from sslkt.transfer.cc import pseudo_label_dls, cc_learner
from sslkt.pretext.train import jigsaw_learner
from sslkt.evaluate.probes import evaluate, finetune_learner, trunk_from_spec
from functools import partial
from sslkt.config import load_config
from sslkt.runner import Run
from sslkt.stages import settings, features_stage
from sslkt.study import k_study
from sslkt.cache import ImageCache

CHANCE_SE = lambda n: (0.1 * 0.9 / n) ** 0.5                      # standard error of chance accuracy, 10 classes, n images

def probes_order(seed, tmp):
    "tests/test_evaluate.py: a supervised AlexNet (10 epochs, 64 px) against its random start under linear probes and k-NN; shuffled labels at chance"
    set_seed(seed)
    imgs = ImageSet.from_source(n_train=1000, n_valid=300, seed=0, progress=False)
    dls = imgs.dls(size=64, bs=64, labeled=True, normalize=False, num_workers=2)
    learn = finetune_learner(trunk_from_spec('random:alexnet', seed=seed), dls, size=64, hidden=256, seed=seed)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(10, slice(3e-4, 3e-3))
    save_trunk(learn.model[1].trunk, tmp/'sup'/'trunk.pth', task='supervised')
    def acc(model, imgs, protocol='linear'):
        recs = evaluate(model, imgs, protocol, ['conv1', 'conv5'] if protocol != 'knn' else None, features_dir=tmp/'features', size=64,
                        epochs=8, num_workers=2, progress=False, seed=seed)
        return {r['layer']: r['accuracy'] for r in recs}
    rnd, sup = acc('random:alexnet', imgs), acc(tmp/'sup', imgs)
    knn_rnd, knn_sup = acc('random:alexnet', imgs, 'knn'), acc(tmp/'sup', imgs, 'knn')
    shuffled = ImageSet(imgs.items.assign(label=imgs.items.label.sample(frac=1, random_state=seed).values), source='shuffled')
    sh = acc('random:alexnet', shuffled)
    return [('supervised conv5 - random conv5', sup['conv5'] - rnd['conv5'], 0.05),
            ('random conv1', rnd['conv1'], 0.15),
            ('k-NN supervised - random', knn_sup['conv5'] - knn_rnd['conv5'], 0.0),
            ('shuffled labels: 0.06 - |accuracy - 0.1|', 0.06 - max(abs(v - 0.1) for v in sh.values()), 0.0)]

def finetune_above_chance(seed, tmp):
    "nbs/30_evaluate.probes.ipynb: fine-tuning a random AlexNet on 200 images (12 epochs, 96 px) scores above chance by 2 s.e. on 100"
    imgs = ImageSet.from_source(n_train=200, n_valid=100, seed=0, progress=False)
    ic = ImageCache(imgs, 96, 'cpu', cache=False)
    ft = evaluate('random:alexnet', imgs, 'finetune', features_dir=tmp, size=96, epochs=12, lr=3e-3, bs=64, progress=False, image_cache=ic, seed=seed)
    return [('fine-tuned accuracy', ft[0]['accuracy'], 0.1 + 2 * CHANCE_SE(100))]

def k_study_above_chance(seed, tmp):
    "nbs/51_study.ipynb: HOG students for k = 5, 20, 80 (3 epochs, 64 px), each above chance by 3 s.e. under k-NN on 200"
    data = dict(n_train=800, n_valid=200)
    cfg = load_config('smoke', dict(seed=seed, workers=0, features=dict(size=128, data=data), cc=dict(size=64, hidden=256, epochs=3), eval=dict(size=64, data=data)))
    run = Run(tmp, cfg, log=lambda m: None)
    run.stage('hog_features', partial(features_stage, c=cfg.features, teacher='hog'), settings(cfg, 'features', teacher='hog'))
    study = k_study(run, tmp/'hog_features', [5, 20, 80])
    return [('smallest student score', float(study.score.min()), 0.1 + 3 * CHANCE_SE(200))]

def cc_memorises(seed, tmp):
    "nbs/22_transfer.cc.ipynb: a student trained 4 epochs on one fixed batch of 32 lowers its loss by more than 0.5"
    set_seed(seed)
    imgs = ImageSet.from_source(n_train=500, n_valid=100, seed=0, progress=False)
    extract_features('hog', imgs, tmp/'hog', size=128, progress=False, num_workers=0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cl = Clustering(10, pca=64, seed=0).fit(tmp/'hog')
        cl.pseudo_labels(tmp/'hog', out=tmp/'hog')
    dls = pseudo_label_dls(tmp/'hog'/'pseudo_labels.csv', size=128, bs=32, num_workers=0)
    xb, yb = dls.train.one_batch()
    class SameBatch(Callback):
        def before_batch(self):
            if self.training: self.learn.xb, self.learn.yb = (xb,), (yb,)
    learn = cc_learner(dls, size=128, hidden=256, seed=seed)
    with learn.no_bar(), learn.no_logging(): learn.fit(4, 1e-3, cbs=SameBatch())
    h = [float(v[0]) for v in learn.recorder.values]
    return [('first - last training loss', h[0] - h[-1], 0.5)]

def pretext_loss_falls(seed, tmp):
    "nbs/13_pretext.train.ipynb: Jigsaw++ (8 permutations) on 64 images with the same puzzles every epoch: the training loss of epoch 6 is below epoch 1's"
    class SamePuzzles(Callback):
        order = 4
        def before_batch(self): self.learn.jigsaw.train_gen = torch.Generator().manual_seed(self.iter)
    small = ImageSet.from_source(n_train=64, n_valid=32, seed=1, progress=False).dls(size=160, bs=32, num_workers=0, augment=False, shuffle=False)
    l = jigsaw_learner(small, 'jigsaw++', n_perms=8, crop=150, tile=40, fc6=64, fc7=128, seed=seed)
    with l.no_bar(), l.no_logging(): l.fit(6, 3e-3, cbs=[SamePuzzles()])
    losses = [float(v[0]) for v in l.recorder.values]
    return [('first - last training loss', losses[0] - losses[-1], 0.0)]

def nmi_hog_vs_random(seed, tmp):
    "nbs/21_transfer.cluster.ipynb: every teacher's clusters above the 99th percentile of shuffled labels' NMI; HOG's (not whitened) above a random AlexNet's, k = 10 and 50"
    torch.manual_seed(seed)
    imgs = ImageSet.from_source(n_train=800, n_valid=200, seed=0, progress=False)
    tr = ImageSet(imgs.items[~imgs.items.is_valid], source=imgs.source)
    nmi = {}
    for name, teacher in [('hog', 'hog'), ('random', TrunkTeacher(make_trunk('alexnet', conv1_stride=2), 'conv5', 'avg2'))]:
        extract_features(teacher, tr, tmp/name, size=128, progress=False, num_workers=0)
        for k in (10, 50):
            for whiten in (True, False):
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    cl = Clustering(k, pca=64, whiten=whiten, nredo=3, seed=seed).fit(tmp/name)
                    ltr, rtr = cl.pseudo_labels(tmp/name)
                rng = np.random.default_rng(seed)
                chance = np.quantile([cluster_scores(rng.permutation(ltr.label), ltr.pseudo_label)['nmi'] for _ in range(100)], 0.99)
                nmi[name, k, whiten] = (rtr['nmi'], chance)
    return [('smallest NMI - shuffled 99th percentile', min(v - c for v, c in nmi.values()), 0.0),
            *[(f'HOG - best random NMI, k={k}', nmi['hog', k, False][0] - max(nmi['random', k, w][0] for w in (True, False)), 0.0) for k in (10, 50)]]

CHECKS = {f.__name__: (f, train, where) for f, train, where in [
    (probes_order, True, 'tests/test_evaluate.py'), (finetune_above_chance, True, 'nbs/30_evaluate.probes.ipynb'),
    (k_study_above_chance, True, 'nbs/51_study.ipynb'), (cc_memorises, True, 'nbs/22_transfer.cc.ipynb'),
    (pretext_loss_falls, True, 'nbs/13_pretext.train.ipynb'), (nmi_hog_vs_random, False, 'nbs/21_transfer.cluster.ipynb')]}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', choices=list(CHECKS), action='append'); ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    a = ap.parse_args()
    native = sslkt.utils.cpu_bf16()
    print(f'CPU bf16 native: {native}; torch threads: {torch.get_num_threads()}')
    rows = []
    for name in a.only or CHECKS:
        f, train, where = CHECKS[name]
        for precision in (['bf16', 'fp32'] if train and native else ['fp32']):
            sslkt.utils.cpu_bf16 = (lambda: True) if precision == 'bf16' else (lambda: False)   # what `mixed_precision` asks
            for seed in a.seeds:
                tmp = Path(tempfile.mkdtemp())
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter('ignore')
                        res = f(seed, tmp)
                finally: shutil.rmtree(tmp)
                for what, value, bound in res:
                    rows.append(dict(check=name, what=what, precision=precision, seed=seed, value=value, bound=bound, slack=value - bound))
                    print(f'check={name} where={where} precision={precision} seed={seed} {what}: value={value:.4f} bound={bound:.4f} slack={value - bound:+.4f}', flush=True)
    t = pd.DataFrame(rows)
    print('\nsmallest slack over seeds and precisions (value - bound; the assertion holds where it is > 0):')
    print(t.groupby(['check', 'what']).agg(min_slack=('slack', 'min'), mean_value=('value', 'mean'), std_value=('value', 'std')).round(4).to_string())
