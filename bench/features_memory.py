"""Peak memory of feature extraction at N and 4N images: features are streamed to disk, so memory should stay flat.

The teacher is `nn.Flatten()` on 96-px images (27,648 float32 features, 108 KiB per image), so that keeping the
features in memory would show: 4N = 4,000 images would add ~420 MiB. Each size runs in a fresh process; its peak RSS
(ru_maxrss) is reported. Last line: n=… peak_mb=… n4=… peak4_mb=… growth=…
"""
import argparse, json, subprocess, sys, tempfile

CHILD = r'''
import json, resource, sys, tempfile, torch
from sslkt.data import ImageSet
from sslkt.transfer.features import extract_features
n = int(sys.argv[1])
imgs = ImageSet.from_source(sys.argv[2] if len(sys.argv) > 2 else None, n_train=n, n_valid=0, progress=False)
with tempfile.TemporaryDirectory() as d:
    p = extract_features(torch.nn.Flatten(), imgs, d, size=96, bs=64, progress=False, num_workers=0)
    import numpy as np; shape = np.load(p, mmap_mode='r').shape
print(json.dumps(dict(n=n, shape=shape, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
'''

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=1000); ap.add_argument('--data', default=None)
    a = ap.parse_args()
    res = []
    for n in (a.n, 4*a.n):
        r = subprocess.run([sys.executable, '-c', CHILD, str(n)] + ([a.data] if a.data else []), capture_output=True, text=True)
        if r.returncode: sys.exit(r.stderr)
        res.append(json.loads(r.stdout.strip().splitlines()[-1]))
        print(f"{n} images -> features {tuple(res[-1]['shape'])} ({res[-1]['shape'][0]*res[-1]['shape'][1]*4/2**20:,.0f} MiB on disk), peak RSS {res[-1]['peak_mb']:,.0f} MiB")
    g = res[1]['peak_mb'] / res[0]['peak_mb'] - 1
    print(f"n={a.n} peak_mb={res[0]['peak_mb']:.0f} n4={4*a.n} peak4_mb={res[1]['peak_mb']:.0f} growth={g:+.3f}")

if __name__ == '__main__': main()
