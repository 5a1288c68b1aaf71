"""Training steps per second on the CPU: fp32, bf16 autocast, channels-last, and both, for the stages' networks.

One SGD step (forward, backward, update; momentum 0.9, weight decay 5e-4) of
- the pretext network: the context-free Jigsaw network (AlexNet trunk, 9 tiles a puzzle) on 64 puzzles, at each tile
  size and conv1 stride given;
- the cluster-classification network: AlexNet (conv1 stride 4) with its fc head on 64 images of `--size` px.
Inputs are random tensors (the step's cost does not depend on the pixels). Each setting is timed after warm-up steps,
in one run, and reported as items/s and as a ratio to fp32. bf16 is fast only where the CPU has native bf16
(AVX512-BF16 or AMX, `sslkt.utils.cpu_bf16`); elsewhere it is emulated.

Usage: python bench/cpu_precision.py [--tiles 26,28,48] [--strides 2,1] [--size 96] [--steps 6]
"""
import argparse, itertools, time
import torch
from torch import nn
from sslkt.models import make_trunk, Classifier
from sslkt.pretext.models import JigsawNet
from sslkt.utils import cpu_bf16
from sslkt.runner import device_name

def steps_per_s(model, x, y, bf16:bool, channels_last:bool, steps:int, warmup:int=2)->float:
    mf = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=mf) if x.dim() == 4 else model
    if x.dim() == 4: x = x.contiguous(memory_format=mf)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    model.train()
    def step():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
    for _ in range(warmup): step()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    return steps / (time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tiles', default='26,28,48'); ap.add_argument('--strides', default='2')
    ap.add_argument('--size', type=int, default=96); ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--steps', type=int, default=6)
    a = ap.parse_args()
    print(f'{device_name()}; native bf16: {cpu_bf16()}; torch {torch.__version__}')
    modes = [(False, False), (True, False), (False, True), (True, True)]
    name = lambda b, c: ('bf16' if b else 'fp32') + ('+channels_last' if c else '')
    cases = []
    for t, s in itertools.product(map(int, a.tiles.split(',')), map(int, a.strides.split(','))):
        torch.manual_seed(0)
        net = JigsawNet(make_trunk('alexnet', conv1_stride=s), 100, t, 512, 1024)
        x, y = torch.randn(a.bs, 9, 3, t, t), torch.randint(0, 100, (a.bs,))
        cases.append((f'pretext tile={t} stride={s}', net, x, y))
    torch.manual_seed(0)
    cases.append((f'cc size={a.size}', Classifier(make_trunk('alexnet'), 50, a.size, 1024), torch.randn(a.bs, 3, a.size, a.size), torch.randint(0, 50, (a.bs,))))
    for what, net, x, y in cases:
        # a JigsawNet's input is 5-d: channels-last applies to its trunk's 4-d tile batch, so set it on the trunk's weights
        r = {}
        for b, c in modes:
            m = net if not c or x.dim() == 4 else net.to(memory_format=torch.channels_last)
            r[name(b, c)] = a.bs * steps_per_s(m, x, y, b, c, a.steps)
            net.to(memory_format=torch.contiguous_format)
        f = r['fp32']
        print(f'{what}: ' + ' '.join(f'{k}={v:.0f}/s ({v / f:.2f}x)' for k, v in r.items()))

if __name__ == '__main__': main()
