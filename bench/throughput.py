"""End-to-end training throughput vs the model step alone, per stage, for fastai's loaders and for `sslkt.cache`.

For each stage (pretext: Jigsaw++ puzzles from each image; cc: image classification, as cluster classification and
fine-tuning train; features: the teacher's pass, as the clustering and the probes read images) and each loader
(fastai: decode + crop on CPU workers; cached: images decoded once and held on the device, crops made there), three
rates in images (= puzzles) per second, after a warm-up batch:
  loader      iterating the DataLoader alone
  end_to_end  a fastai Learner's training steps fed by that loader (puzzles made on the device, fwd, bwd, step);
              for features, the teacher's forward pass (conv5, pooled) over the loader's batches
  model       the same fed one batch already on the device, again and again (no loading at all)
One line each:  stage=… loader=… loader_s=… end_to_end=… model=… ratio=…   (ratio = end_to_end / model)

    python bench/throughput.py --stage pretext --size 96 --crop 90 --tile 26 --bs 64 --batches 10     # CPU-sized
    python bench/throughput.py --size 160 --crop 150 --tile 44 --bs 256 --batches 40 --workers 12      # a GPU
"""
import argparse, time, warnings
import torch
from fastai.callback.core import Callback, CancelFitException
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader

class StopAfter(Callback):
    "Time `n` training batches after the first (warm-up); no validation"
    order = 100
    def __init__(self, n): self.n = n
    def before_fit(self): self.i, self.t0 = 0, None
    def after_batch(self):
        if not self.training: return
        self.i += 1
        if self.i == 1: _sync(); self.t0 = time.perf_counter()
        if self.i == self.n + 1: _sync(); self.elapsed = time.perf_counter() - self.t0; raise CancelFitException()

def _sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

class Repeat(DataLoader):
    "One batch, already on the device, `n` times: what the model step alone can do"
    def __init__(self, b, n, **kw): super().__init__(dataset=list(range(n)), bs=1, **kw); self.b = b
    def __iter__(self):
        for _ in range(self.n): yield self.b

def loader_rate(dl, n):
    it = iter(dl); next(it); _sync(); t = time.perf_counter()
    for _ in range(n): next(it)
    _sync(); return n * dl.bs / (time.perf_counter() - t)

def learner(stage, dls, a):
    if stage == 'pretext':
        from sslkt.pretext.train import jigsaw_learner
        return jigsaw_learner(dls, 'jigsaw++', a.arch, a.n_perms, a.crop, a.tile, fc6=a.fc6, fc7=a.fc7)
    from sslkt.transfer.cc import cc_learner
    return cc_learner(dls, a.arch, a.size, a.fc6)

def fit_rate(learn, n, bs):
    cb = StopAfter(n)
    with warnings.catch_warnings(), learn.no_bar(), learn.no_logging():
        warnings.simplefilter('ignore')
        learn.fit(1, 1e-3, cbs=cb)
    return n * bs / cb.elapsed

def features_rates(dl, a, dev, n):
    "Teacher forward passes (AlexNet conv5, pooled) per second: fed by `dl`, and on one batch again and again"
    from sslkt.models import make_trunk
    from sslkt.transfer.features import TrunkTeacher
    t = TrunkTeacher(make_trunk(a.arch), 'conv5', 'avg2').to(dev).eval()
    amp = torch.autocast('cuda', dtype=torch.bfloat16, enabled=dev.type == 'cuda')
    def run(batches):
        k, t0 = 0, None
        with torch.no_grad(), amp:
            for i, (xb, *_) in enumerate(batches):
                t(xb).float().cpu()                       # as extract_features: each batch's features to the host
                if i == 0: _sync(); t0 = time.perf_counter()
                else: k += len(xb)
                if i == n: break
        _sync(); return k / (time.perf_counter() - t0)
    b = next(iter(dl))
    return run(iter(dl)), run(b for _ in range(n + 1))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--stage', default='all', choices=['all', 'pretext', 'cc', 'features'])
    ap.add_argument('--loader', default='both', choices=['both', 'fastai', 'cached'])
    ap.add_argument('--data', default=None, help='images (default: Imagenette 160)')
    ap.add_argument('--n_images', type=int, default=2000, help='training images used (the cache holds these)')
    ap.add_argument('--size', type=int, default=96); ap.add_argument('--crop', type=int, default=90)
    ap.add_argument('--tile', type=int, default=26); ap.add_argument('--n_perms', type=int, default=100)
    ap.add_argument('--arch', default='alexnet'); ap.add_argument('--fc6', type=int, default=512); ap.add_argument('--fc7', type=int, default=1024)
    ap.add_argument('--bs', type=int, default=64); ap.add_argument('--batches', type=int, default=10)
    ap.add_argument('--workers', type=int, default=None, help="fastai loader workers (default: fastai's)")
    a = ap.parse_args()
    from fastai.callback.progress import ProgressCallback   # Learner.no_bar
    from fastai.torch_core import default_device
    from sslkt.data import ImageSet
    from sslkt.cache import ImageCache, cached_dls, cached_dl
    dev = default_device()
    name = torch.cuda.get_device_name() if dev.type == 'cuda' else f'CPU ({torch.get_num_threads()} threads)'
    print(f'device: {name}; {a.n_images} images at {a.size} px, bs {a.bs}, {a.batches} timed batches, {a.arch}')
    imgs = ImageSet.from_source(a.data, n_train=a.n_images, n_valid=a.bs, seed=0, progress=False)
    cache = None
    for stage in (['pretext', 'cc', 'features'] if a.stage == 'all' else [a.stage]):
        for loader in (['fastai', 'cached'] if a.loader == 'both' else [a.loader]):
            labeled = stage == 'cc'
            if loader == 'cached' and cache is None:
                t = time.perf_counter(); cache = ImageCache(imgs, a.size, dev, cache=True)
                print(f'cache: {cache}, ready in {time.perf_counter() - t:.1f} s (decoded, or read from the disk cache of an earlier run)')
            if stage == 'features':
                kw = {} if a.workers is None else dict(num_workers=a.workers)
                dl = cached_dl(cache, a.size, a.bs) if loader == 'cached' else imgs.dl(a.size, a.bs, device=dev, **kw)
                lr = loader_rate(dl, a.batches)
                e2e, model = features_rates(dl, a, dev, a.batches)
                print(f'stage={stage} loader={loader} loader_s={lr:.0f} end_to_end={e2e:.0f} model={model:.0f} ratio={e2e / model:.2f}')
                continue
            if loader == 'cached': dls = cached_dls(cache, a.size, a.bs, labeled=labeled)
            else:
                kw = {} if a.workers is None else dict(num_workers=a.workers)
                dls = imgs.dls(a.size, a.bs, labeled=labeled, device=dev, **kw)
            lr = loader_rate(dls.train, a.batches)
            learn = learner(stage, dls, a)
            e2e = fit_rate(learn, a.batches, a.bs)
            b = dls.train.one_batch()
            learn.dls = DataLoaders(Repeat(b, a.batches + 2, device=dev), dls.valid, device=dev)
            model = fit_rate(learn, a.batches, a.bs)
            print(f'stage={stage} loader={loader} loader_s={lr:.0f} end_to_end={e2e:.0f} model={model:.0f} ratio={e2e / model:.2f}')

if __name__ == '__main__': main()
