"""What starting DataLoader workers from a forkserver costs, against forking the training process, in one run.

fastai starts new workers at every pass over a DataLoader (each training epoch, each validation). sslkt starts them
from a forkserver (`sslkt.data.workers_context`): a fork of the training process can deadlock when another thread of
it holds a lock at that instant. This times whole passes (workers started, every batch delivered, workers stopped)
of the training and the validation DataLoader of Imagenette images, alternating the two start methods, after one
untimed pass of each. One line each:
  start=fork|forkserver passes=N median_s=… (one training + one validation pass)
and the ratio forkserver / fork of the medians.

    python bench/workers.py                                   # 160 + 40 images at 96 px, 2 workers, 10 passes each
    python bench/workers.py --n_train 2000 --n_valid 500 --workers 4
"""
import argparse, multiprocessing, statistics, time
import sslkt.data
from sslkt.data import ImageSet

def passes(dls)->float:
    "Seconds for one pass over the training DataLoader and one over the validation DataLoader"
    t0 = time.perf_counter()
    for dl in (dls.train, dls.valid):
        for _ in dl: pass
    return time.perf_counter() - t0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n_train', type=int, default=160); ap.add_argument('--n_valid', type=int, default=40)
    ap.add_argument('--size', type=int, default=96); ap.add_argument('--bs', type=int, default=32)
    ap.add_argument('--workers', type=int, default=2); ap.add_argument('--passes', type=int, default=10)
    a = ap.parse_args()
    dls = ImageSet.from_source(n_train=a.n_train, n_valid=a.n_valid, seed=0, progress=False).dls(a.size, a.bs, num_workers=a.workers)
    ctxs = {'fork': multiprocessing.get_context('fork'), 'forkserver': sslkt.data.workers_context}
    times = {k: [] for k in ctxs}
    for i in range(a.passes + 1):
        for k, c in ctxs.items():
            sslkt.data.workers_context = c
            t = passes(dls)
            if i: times[k].append(t)                                   # the first of each: a warm-up
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items(): print(f'start={k} passes={a.passes} median_s={v:.3f}')
    print(f'ratio forkserver/fork={med["forkserver"] / med["fork"]:.2f}')
