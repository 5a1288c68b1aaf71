"""Pretext training within a time budget: throughput and the learning curve of Jigsaw/Jigsaw++ on real images.

Times one warm-up epoch, then trains a fresh network with a one-cycle schedule for as many epochs as fit in
`--budget` seconds, and prints puzzles/s, the per-epoch table, the final permutation accuracy and chance level.
Writes trunk.pth, history.csv and curve.png to --out. Works on the CPU (size it small) and on a GPU.

Usage: python bench/pretext.py --out runs/pretext [--data PATH] [--budget 300] [--task jigsaw++] [--arch alexnet]
Last line: task=… arch=… device=… epochs=… train_puzzles_per_s=… accuracy=… chance=…
"""
import argparse, os, time
import torch
from sslkt.data import ImageSet
from sslkt.utils import history
from sslkt.pretext.train import jigsaw_learner, save_pretext

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', required=True); ap.add_argument('--data', default=None)
    ap.add_argument('--budget', type=float, default=300, help='seconds of training after the warm-up epoch')
    ap.add_argument('--max_epochs', type=int, default=200)
    ap.add_argument('--task', default='jigsaw++'); ap.add_argument('--arch', default='alexnet')
    ap.add_argument('--n_perms', type=int, default=None); ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--size', type=int, default=160); ap.add_argument('--crop', type=int, default=150)
    ap.add_argument('--tile', type=int, default=40); ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--n_train', type=int, default=None); ap.add_argument('--n_valid', type=int, default=None)
    ap.add_argument('--workers', type=int, default=min(12, os.cpu_count() or 1))
    a = ap.parse_args()
    imgs = ImageSet.from_source(a.data, size=a.size, n_train=a.n_train, n_valid=a.n_valid)
    dls = imgs.dls(size=a.size, bs=a.bs, num_workers=a.workers)
    mk = lambda: jigsaw_learner(dls, a.task, a.arch, a.n_perms, a.crop, a.tile)
    dev = dls.device
    name = torch.cuda.get_device_name() if torch.device(dev).type == 'cuda' else 'cpu'
    learn = mk()
    print(f'{a.task} / {a.arch} on {name}: {len(dls.train_ds)} train, {len(dls.valid_ds)} val images, '
          f'{learn.pretext["n_perms"]} permutations, crop {a.crop}, tiles {a.tile}, bs {a.bs}')
    t0 = time.perf_counter(); learn.fit(1, a.lr / 10); t_epoch = time.perf_counter() - t0
    n_ep = max(1, min(a.max_epochs, int(a.budget // t_epoch)))
    print(f'warm-up epoch: {t_epoch:.1f} s, {len(dls.train_ds)/t_epoch:,.0f} puzzles/s (train + val); training {n_ep} epochs')
    learn = mk()
    t0 = time.perf_counter()
    learn.fit_one_cycle(n_ep, a.lr)
    dt = time.perf_counter() - t0
    save_pretext(learn, a.out, data=str(a.data or 'imagenette'), epochs=n_ep, device=name)
    h = history(learn)
    print(h.to_string(index=False))
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    ax1.plot(h.epoch, h.train_loss, label='train'); ax1.plot(h.epoch, h.valid_loss, label='valid'); ax1.set_title('loss'); ax1.legend()
    ax2.plot(h.epoch, h.accuracy); ax2.axhline(1/learn.pretext['n_perms'], ls='--', c='gray'); ax2.set_title('permutation accuracy (valid)')
    for ax in (ax1, ax2): ax.set_xlabel('epoch')
    fig.suptitle(f'{a.task}, {a.arch}, {name}'); fig.tight_layout(); fig.savefig(os.path.join(a.out, 'curve.png'), dpi=80)
    print(f'task={a.task} arch={a.arch} device={name.replace(" ", "_")} epochs={n_ep} '
          f'train_puzzles_per_s={n_ep*len(dls.train_ds)/dt:.0f} accuracy={h.accuracy.iloc[-1]:.4f} chance={1/learn.pretext["n_perms"]:.4f}')

if __name__ == '__main__': main()
