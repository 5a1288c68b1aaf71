"""faiss k-means vs scikit-learn KMeans on the same features: time and inertia, in one run.

Features: real image features when --features points at a sslkt_features folder (rows repeated with a little noise
up to --n if it has fewer), else Gaussian-mixture data of the same size. Both run Lloyd's algorithm for the same
number of iterations from one random start each (faiss's initialisation; `--sk_init k-means++` gives scikit-learn its
smarter, slower start), on all CPU cores this machine has.
Last line: faiss_s=… sklearn_s=… ratio=… inertia_gap=…  (gap = (faiss - sklearn) / sklearn inertia)
"""
import argparse, os, time
import numpy as np

def data(n, d, k, features=None, seed=0):
    rng = np.random.default_rng(seed)
    if features:
        from sslkt.transfer.features import load_features
        from sslkt.transfer.cluster import Preprocess
        f = np.asarray(load_features(features)[0], dtype=np.float32)
        f = Preprocess(d).fit(f)(f) if f.shape[1] > d else f[:, :d]
        x = f[rng.integers(len(f), size=n)] + rng.normal(scale=0.01, size=(n, f.shape[1])).astype(np.float32)
        return np.ascontiguousarray(x, dtype=np.float32)
    centres = rng.normal(size=(k, d)).astype(np.float32)
    return (centres[rng.integers(k, size=n)] + rng.normal(scale=0.7, size=(n, d))).astype(np.float32)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=50_000); ap.add_argument('--d', type=int, default=256)
    ap.add_argument('--k', type=int, default=500); ap.add_argument('--niter', type=int, default=20)
    ap.add_argument('--features', default=None); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--sk_init', default='random', choices=['random', 'k-means++'])
    a = ap.parse_args()
    import faiss
    from sklearn.cluster import KMeans
    x = data(a.n, a.d, a.k, a.features, a.seed)
    print(f'{x.shape[0]} x {x.shape[1]} features ({"from " + a.features if a.features else "Gaussian mixture"}), '
          f'k={a.k}, {a.niter} iterations, {os.cpu_count()} cores')
    t = time.perf_counter()
    km = faiss.Kmeans(x.shape[1], a.k, niter=a.niter, seed=a.seed, max_points_per_centroid=len(x))
    km.train(x)
    t_faiss = time.perf_counter() - t
    _, lab = km.index.search(x, 1)
    in_faiss = float(((x - km.centroids[lab[:, 0]])**2).sum())
    t = time.perf_counter()
    sk = KMeans(a.k, init=a.sk_init, n_init=1, max_iter=a.niter, tol=0, random_state=a.seed, algorithm='lloyd').fit(x)
    t_sk = time.perf_counter() - t
    in_sk = float(sk.inertia_)
    print(f'faiss:   {t_faiss:7.1f} s, inertia {in_faiss:,.1f}, {a.niter} iterations ({t_faiss/a.niter:.3f} s each)')
    print(f'sklearn: {t_sk:7.1f} s, inertia {in_sk:,.1f}, {sk.n_iter_} iterations (init: {a.sk_init}; stops early once no label changes)')
    print(f'faiss_s={t_faiss:.2f} sklearn_s={t_sk:.2f} ratio={t_sk/t_faiss:.1f} inertia_gap={(in_faiss-in_sk)/in_sk:+.4f}')

if __name__ == '__main__': main()
