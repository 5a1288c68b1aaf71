"""Puzzles per second: sslkt's batched `make_puzzles` vs a per-sample PIL reference, on the same decoded images.

The reference does what the common PyTorch ports of the jigsaw task do in their Dataset: for each image, a random
crop, then for each of the 9 cells a PIL crop of a random tile, per-channel jitter, gray, conversion to a tensor,
per-tile normalisation, and the shuffle. Both run on one CPU thread (torch.set_num_threads(1)), in one run.
Then: the operators one batch dispatches (kernels, host syncs; counted on the CPU), and the share of a training step
(AlexNet context-free network, forward + backward + step) spent making puzzles, on the CPU and, when there is one, on
the GPU, eager and with `torch.compile(build_puzzles)`; and puzzles/s on the GPU.

Usage: python bench/puzzles.py [--n 256] [--bs 64] [--size 160 --crop 150 --tile 40] [--gpu_bs 256]
Last line: batched=… reference=… ratio=…
"""
import argparse, random, time
import numpy as np, torch
from PIL import Image
from sslkt.data import ImageSet, RGBImage
from sslkt.pretext.permutations import permutations
from sslkt.pretext.puzzles import make_puzzles, build_puzzles, op_counts
from sslkt.pretext.models import JigsawNet
from sslkt.models import make_trunk

def reference_puzzle(img:Image.Image, perms, crop, tile, jitter, gray, rng:random.Random):
    "One puzzle from one PIL image, tile by tile, as a per-sample Dataset would"
    W, H = img.size
    cell = crop // 3
    x0, y0 = rng.randint(0, W - crop), rng.randint(0, H - crop)
    img = img.crop((x0, y0, x0 + crop, y0 + crop))
    is_gray = rng.random() < gray
    tiles = []
    for i in range(9):
        r, c = divmod(i, 3)
        ty, tx = r*cell + rng.randint(jitter, cell - tile - jitter), c*cell + rng.randint(jitter, cell - tile - jitter)
        chans = []
        for k, band in enumerate(img.split()):
            dy, dx = rng.randint(-jitter, jitter), rng.randint(-jitter, jitter)
            chans.append(np.asarray(band.crop((tx + dx, ty + dy, tx + dx + tile, ty + dy + tile)), dtype=np.float32) / 255)
        t = torch.from_numpy(np.stack(chans))
        if is_gray: t = (t * torch.tensor([0.299, 0.587, 0.114])[:, None, None]).sum(0, keepdim=True).expand(3, -1, -1)
        tiles.append((t - t.mean()) / (t.std() + 1e-5))
    label = rng.randrange(len(perms))
    return torch.stack([tiles[j] for j in perms[label]]), label

def rate(f, n_items, min_s=2.0):
    "items/s of f(), repeated for at least min_s seconds after one warm-up call"
    f(); n, t0 = 0, time.perf_counter()
    while (dt := time.perf_counter() - t0) < min_s: f(); n += 1
    return n * n_items / dt

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=256); ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--size', type=int, default=160); ap.add_argument('--crop', type=int, default=150)
    ap.add_argument('--tile', type=int, default=40); ap.add_argument('--jitter', type=int, default=2)
    ap.add_argument('--gpu_bs', type=int, default=256); ap.add_argument('--data', default=None)
    a = ap.parse_args()
    torch.set_num_threads(1)
    imgs = ImageSet.from_source(a.data, n_train=a.n, n_valid=0, progress=False)
    pil = [RGBImage.create(p).resize((a.size, a.size)) for p in imgs.items.path]          # decoded once, for both
    batch = torch.stack([torch.from_numpy(np.array(im)).permute(2, 0, 1) for im in pil]).float() / 255
    perms_np = permutations(701); perms = torch.from_numpy(perms_np).long()
    kw = dict(crop=a.crop, tile=a.tile, jitter=a.jitter, gray=0.3)
    print(f'{a.n} Imagenette images at {a.size}px, crop {a.crop}, tiles {a.tile}, jitter {a.jitter}, 701 permutations, 1 thread')

    gen, rng = torch.Generator().manual_seed(0), random.Random(0)
    def batched():
        for i in range(0, a.n, a.bs): make_puzzles(batch[i:i+a.bs], perms, max_replace=2, gen=gen, **kw)
    def reference():
        for im in pil: reference_puzzle(im, perms_np, rng=rng, **kw)
    rb, rr = rate(batched, a.n), rate(reference, a.n)
    print(f'CPU, 1 thread: batched {rb:,.0f} puzzles/s, per-sample reference {rr:,.0f} puzzles/s')

    n = op_counts(make_puzzles, batch[:a.bs], perms, max_replace=2, gen=gen, **kw)
    print(f'one Jigsaw++ batch: {n["kernels"]} kernel operators, {n["views"]} views, {n["host_syncs"]} host syncs')

    def step_share(dev, bs, build=build_puzzles, label='eager'):
        x = batch[:bs].to(dev) if bs <= a.n else batch.repeat((bs + a.n - 1)//a.n, 1, 1, 1)[:bs].to(dev)
        net = JigsawNet(make_trunk('alexnet', conv1_stride=2), 701, tile=a.tile).to(dev)
        opt = torch.optim.SGD(net.parameters(), lr=1e-3)
        p_dev, g = perms.to(dev), torch.Generator(device=dev).manual_seed(0)
        sync = (lambda: torch.cuda.synchronize()) if dev == 'cuda' else (lambda: None)
        amp = torch.autocast('cuda', dtype=torch.bfloat16, enabled=dev == 'cuda')
        def make(): p = make_puzzles(x, p_dev, max_replace=2, gen=g, build=build, **kw); sync(); return p
        def step(p):
            with amp: loss = torch.nn.functional.cross_entropy(net(p.tiles), p.label)
            opt.zero_grad(); loss.backward(); opt.step(); sync()
        p = make(); step(p)
        t_make = 1 / rate(make, 1, 1.0); t_step = 1 / rate(lambda: step(p), 1, 2.0)
        print(f'{dev} ({label}): bs {bs}: making puzzles {1e3*t_make:.1f} ms, training step {1e3*t_step:.1f} ms, '
              f'puzzles are {100*t_make/(t_make + t_step):.1f}% of a step; {bs/t_make:,.0f} puzzles/s made, '
              f'{bs/(t_make + t_step):,.0f} puzzles/s trained')
    torch.set_num_threads(max(1, __import__('os').cpu_count() or 1))
    step_share('cpu', a.bs)
    if torch.cuda.is_available():
        from sslkt.pretext.puzzles import tile_corners, cut_tiles
        c = tile_corners(a.n, a.size, a.crop, a.tile, a.jitter, gen=torch.Generator().manual_seed(0))
        img = torch.randint(0, a.n, (a.n, 9), generator=torch.Generator().manual_seed(1))
        same = torch.equal(cut_tiles(batch, img, c, a.tile), cut_tiles(batch.cuda(), img.cuda(), c.cuda(), a.tile).cpu())
        print(f'cuda tiles equal cpu tiles: {same}')
        step_share('cuda', a.gpu_bs)
        step_share('cuda', a.gpu_bs, torch.compile(build_puzzles, dynamic=False), 'compiled')
    print(f'batched={rb:.0f} reference={rr:.0f} ratio={rb/rr:.1f}')

if __name__ == '__main__': main()
