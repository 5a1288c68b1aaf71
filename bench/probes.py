"""All five linear probes of an AlexNet trunk on a labelled data set (default: the full Imagenette-160 split), timed.

Prints the accuracy per layer, the wall time of the feature pass (every image once, all five layers, cached to disk)
and of the head training, their shares, and the peak resident memory of the process. Last line:
`protocol=linear conv1=… … conv5=… total_s=… features_share=… peak_mb=…`.
"""
import argparse, resource, tempfile, time, warnings
from pathlib import Path
import torch
from sslkt.data import ImageSet
from sslkt.evaluate.probes import evaluate

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--model', default='random:alexnet'); ap.add_argument('--data', default=None)
    ap.add_argument('--size', type=int, default=160); ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--n_train', type=int, default=None); ap.add_argument('--n_valid', type=int, default=None)
    ap.add_argument('--workers', type=int, default=2); ap.add_argument('--features_dir', default=None)
    a = ap.parse_args()
    warnings.filterwarnings('ignore')
    t0 = time.time()
    imgs = ImageSet.from_source(a.data, n_train=a.n_train, n_valid=a.n_valid, progress=False)
    t_check = time.time() - t0
    features_dir = Path(a.features_dir or tempfile.mkdtemp())
    recs = evaluate(a.model, imgs, 'linear', features_dir=features_dir, size=a.size, epochs=a.epochs, num_workers=a.workers, progress=False)
    total = time.time() - t0
    t_feat, t_heads = recs[0]['seconds_features'], sum(r['seconds'] for r in recs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{recs[0]['n_train']} train / {recs[0]['n_valid']} val images at {a.size}px, {torch.get_num_threads()} threads, {a.epochs} epochs per probe")
    for r in recs: print(f"{r['layer']}: {r['dims']} values, accuracy {r['accuracy']:.4f}, head {r['seconds']:.1f}s")
    print(f'image check {t_check:.1f}s, features (one pass, all layers) {t_feat:.1f}s, heads {t_heads:.1f}s')
    print('protocol=linear ' + ' '.join(f"{r['layer']}={r['accuracy']:.3f}" for r in recs) +
          f' total_s={total:.0f} features_share={t_feat/total:.2f} heads_share={t_heads/total:.2f} peak_mb={peak:.0f}')

if __name__ == '__main__': main()
