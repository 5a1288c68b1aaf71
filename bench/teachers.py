"""How much class information does each teacher's clustering carry? NMI of k-means clusters vs the true classes.

For each teacher (default: a random AlexNet, HOG, and any trunk files given), features of a fixed Imagenette subset
are extracted, the training images clustered for each k (PCA to --pca with and without whitening, L2, faiss k-means),
and every image
pseudo-labelled; NMI / ARI / purity against the true labels are printed for the training images (what was clustered)
and the validation images (labelled by the same centres). Features are kept under --out for reuse.
Last line: one `teacher=… k=… nmi=…` per teacher and k (training images).
"""
import argparse, warnings
from pathlib import Path
import numpy as np, pandas as pd
from sslkt.data import ImageSet
from sslkt.transfer.features import extract_features, teacher_from_spec, load_features
from sslkt.transfer.cluster import Clustering, cluster_report

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', required=True); ap.add_argument('--data', default=None)
    ap.add_argument('--teachers', nargs='+', default=['random:alexnet', 'hog'])
    ap.add_argument('--k', nargs='+', type=int, default=[10, 50]); ap.add_argument('--pca', type=int, default=128)
    ap.add_argument('--n_train', type=int, default=1500); ap.add_argument('--n_valid', type=int, default=500)
    ap.add_argument('--size', type=int, default=128); ap.add_argument('--nredo', type=int, default=3)
    ap.add_argument('--layer', default='conv5'); ap.add_argument('--pool', default='avg2')
    ap.add_argument('--norm', default='auto', help="trunk input normalisation: auto (the one recorded with the trunk; per_image for random ones), per_image, imagenet or none")
    ap.add_argument('--workers', type=int, default=1)
    a = ap.parse_args()
    imgs = ImageSet.from_source(a.data, n_train=a.n_train, n_valid=a.n_valid, progress=False)
    rows = []
    for spec in a.teachers:
        name = spec.replace('/', '_').replace(':', '_')
        fdir = Path(a.out)/name
        if not (fdir/'features.npy').exists():
            t = teacher_from_spec(spec, a.layer, a.pool, a.norm)
            print(f'{spec}: norm {getattr(t, "norm", None)}', flush=True)
            extract_features(t, imgs, fdir, size=a.size, progress=False, num_workers=a.workers)
        x, items = load_features(fdir)
        tr = ~items.is_valid.values
        for k, whiten in [(k, w) for w in (True, False) for k in a.k]:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                cl = Clustering(k, pca=a.pca, whiten=whiten, nredo=a.nredo, seed=0).fit(x[tr])
            lab = cl.assign(x)[0]
            rt, rv = cluster_report(lab[tr], k, items.label.values[tr]), cluster_report(lab[~tr], k, items.label.values[~tr])
            rows.append(dict(teacher=spec, dims=x.shape[1], pre=f"pca{a.pca}{'-white' if whiten else ''}-l2", k=k, nmi=rt['nmi'], ari=rt['ari'], purity=rt['purity'],
                             nmi_val=rv['nmi'], purity_val=rv['purity'], empty=rt['empty']))
            print(pd.DataFrame(rows[-1:]).round(4).to_string(index=False, header=len(rows) == 1), flush=True)
    print(f'{int(tr.sum())} train / {int((~tr).sum())} val images at {a.size}px; layer {a.layer}, pool {a.pool}, norm {a.norm}, PCA {a.pca}')
    print(' '.join(f"teacher={r['teacher']} pre={r['pre']} k={r['k']} nmi={r['nmi']:.4f}" for r in rows))

if __name__ == '__main__': main()
