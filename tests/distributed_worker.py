"""Run by tests/test_distributed.py under `torchrun --nproc_per_node 2` (gloo on CPU): each rank trains and extracts,
then saves what it saw to OUT/rank{r}.pt; the test compares the ranks with each other and with one process."""
import sys, torch
from pathlib import Path
from torch import nn
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.learner import Learner
from fastai.losses import MSELossFlat, CrossEntropyLossFlat
from fastai.optimizer import SGD
from sslkt.distributed import init_distributed, distrib_ctx, DistributedDL, barrier
from sslkt.utils import seeded

def toy_data(n=48):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g); return x, torch.stack([x.sum(1), x[:, 0] - x[:, 1]], 1)

def toy_model():
    with seeded(1): return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

def toy_learner(batches=None, bs=6):
    "The toy regression Learner: on the data set (shuffled), or on fixed `batches` in order"
    x, y = toy_data()
    if batches is None: train = DataLoader(list(zip(x, y)), bs=bs, shuffle=True, drop_last=True, num_workers=0)
    else: train = DataLoader(batches, bs=None, num_workers=0, create_batch=lambda b: b)
    dls = DataLoaders(train, DataLoader(list(zip(x[:12], y[:12])), bs=6, num_workers=0), device='cpu')
    return Learner(dls, toy_model(), loss_func=MSELossFlat(), opt_func=SGD, lr=0.05)

class Record(Callback):
    "Keep the training batches (after the puzzles are made, for a Jigsaw Learner)"
    order = 6
    def __init__(self): self.batches = []
    def before_batch(self):
        if self.training: self.batches.append(tuple(o.detach().cpu().clone() for o in (*self.xb, *self.yb)))

def main(out):
    rank, world = init_distributed()
    res = {}
    # 1. DDP on a toy regression: 2 ranks × 4 steps
    learn = toy_learner(); rec = Record()
    with distrib_ctx(learn), learn.no_bar(), learn.no_logging(): learn.fit(1, cbs=rec)
    res['toy'] = dict(batches=rec.batches, weights={k: v.clone() for k, v in learn.model.state_dict().items()})
    # 2. Images on the device (CachedDL) under DistributedDL, a small CNN
    from sslkt.data import ImageSet
    from sslkt.cache import ImageCache, cached_dls
    imgs = ImageSet.from_source(n_train=40, n_valid=10, seed=0, progress=False)
    cache = ImageCache(imgs, 96, 'cpu', cache=False, n_workers=0)
    dls = cached_dls(cache, size=48, bs=8, labeled=True)
    res['cached_idxs'] = DistributedDL(dls.train).get_idxs()
    with seeded(2): cnn = nn.Sequential(nn.Conv2d(3, 8, 5, 2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    learn = Learner(dls, cnn, loss_func=CrossEntropyLossFlat(), lr=1e-2)
    with distrib_ctx(learn), learn.no_bar(), learn.no_logging(): learn.fit(2)
    res['cnn'] = {k: v.clone() for k, v in learn.model.state_dict().items()}
    # 3. Jigsaw++ puzzles on each rank, twice from the same seed
    from sslkt.pretext.train import jigsaw_learner
    learn = jigsaw_learner(cached_dls(cache, size=96, bs=8), 'jigsaw++', n_perms=10, crop=90, tile=26, jitter=1, fc6=32, fc7=32)
    labels = []
    for _ in range(2):
        learn.jigsaw.reset(); rec = Record()
        with distrib_ctx(learn), learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=rec)
        labels.append(torch.cat([b[-1] for b in rec.batches]))
    res['puzzle_labels'] = labels
    res['jigsaw_weights'] = {k: v.clone() for k, v in learn.model.state_dict().items()}
    # 4. Features sharded over the ranks, joined by rank 0
    from sslkt.transfer.features import extract_features, teacher_from_spec
    t = teacher_from_spec('random:alexnet', 'conv5', 'avg2')
    if rank == 0:                                   # a part left by an interrupted run with 3 processes: must not count
        stale = Path(out)/'features'/'parts'/'0002-of-0003'; stale.mkdir(parents=True)
        import numpy as np; np.save(stale/'rows.npy', np.arange(5))
    barrier()
    res['features'] = str(extract_features(t, imgs, Path(out)/'features', size=96, bs=8, progress=False, shard=True, num_workers=0))
    # 5. Probes under the launcher: the features sharded, every rank scoring the same probes
    from sslkt.evaluate.probes import evaluate
    res['knn'] = evaluate('random:alexnet', imgs, 'knn', features_dir=Path(out)/'probe', size=96, progress=False, num_workers=0)[0]
    res['linear'] = evaluate('random:alexnet', imgs, 'linear', ['conv1', 'conv5'], features_dir=Path(out)/'probe', size=96, epochs=2,
                             progress=False, num_workers=0)
    res['world'] = world
    torch.save(res, Path(out)/f'rank{rank}.pt')
    barrier()

if __name__ == '__main__':
    main(sys.argv[1])
    from sslkt.distributed import end_process
    end_process(0)                                  # as the console scripts end a rank
