"""faiss k-means vs scikit-learn's KMeans with its defaults: time to the same inertia, in one run.

With --features (a `sslkt_features` folder): the real teacher features, as they are (all rows, or a seeded subset of
--n), prepared as the pipeline prepares them (PCA to --d, L2). Without it: a Gaussian mixture of --n × --d.
scikit-learn runs with its defaults (k-means++ initialisation, up to 300 iterations, its own tolerance): its inertia
is the target. faiss (what sslkt uses) runs up to --max_iter Lloyd iterations; the bench finds the first iteration at
which faiss's objective is within 1% of that target, then times faiss again with exactly that many iterations, once
from faiss's random start and once from a k-means++ start (`init='k-means++'` in `sslkt.transfer.cluster.kmeans`).
Lines: one per method, then
    faiss_s=… sklearn_s=… ratio=… gap=…   (for each faiss start; gap = (faiss - sklearn) / sklearn inertia, final)

--paper: time one faiss iteration on synthetic 1.28 M × 256, k = 2,000 features (the paper's ImageNet step) on the
machine it runs on (a GPU when faiss sees one) and extrapolate to --max_iter iterations; no scikit-learn run.
"""
import argparse, os, time
import numpy as np

def features(path, n=None, d=256, seed=0):
    from sslkt.transfer.features import load_features
    from sslkt.transfer.cluster import Preprocess
    f = np.asarray(load_features(path)[0], dtype=np.float32)
    if n and n < len(f): f = f[np.sort(np.random.default_rng(seed).choice(len(f), n, replace=False))]
    pre = Preprocess(d if f.shape[1] > d else None, whiten=False).fit(f)   # as `Clustering(whiten=False)` prepares them
    return pre(f)

def mixture(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)).astype(np.float32)
    return (centres[rng.integers(k, size=n)] + rng.normal(scale=0.7, size=(n, d))).astype(np.float32)

def inertia(x, c):
    import faiss
    idx = faiss.IndexFlatL2(x.shape[1]); idx.add(np.ascontiguousarray(c, dtype=np.float32))
    dist, _ = idx.search(x, 1)
    return float(dist.sum())

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--features', default=None, help='a sslkt_features folder (real features); default: a Gaussian mixture')
    ap.add_argument('--n', type=int, default=None, help='rows (a seeded subset of the features; mixture default 50,000)')
    ap.add_argument('--d', type=int, default=256, help='PCA dimensions (features) or mixture dimensions')
    ap.add_argument('--k', type=int, default=100); ap.add_argument('--max_iter', type=int, default=100)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--paper', action='store_true', help="time the paper's 1.28 M × 256, k = 2,000 step (synthetic)")
    a = ap.parse_args()
    import faiss
    from sslkt.transfer.cluster import kmeans
    if a.paper:
        n, d, k = 1_281_167, 256, 2000
        x = mixture(n, d, k, a.seed)
        gpu = faiss.get_num_gpus() > 0 if hasattr(faiss, 'get_num_gpus') else False
        t = time.perf_counter(); kmeans(x, k, niter=2, seed=a.seed, gpu=gpu); t2 = time.perf_counter() - t
        t = time.perf_counter(); kmeans(x, k, niter=5, seed=a.seed, gpu=gpu); t5 = time.perf_counter() - t
        per = (t5 - t2) / 3
        print(f'{n} x {d}, k={k}, {"GPU" if gpu else f"CPU, {os.cpu_count()} cores"}: {per:.2f} s per iteration')
        print(f'paper_kmeans iter_s={per:.3f} est_{a.max_iter}iter_s={per*a.max_iter + (t2 - 2*per):.0f}')
        # Where an iteration's time goes (faiss's own statistics): the search (assignment of every point to its nearest
        # centre) is what GPUs take over, split between them with several; the rest (centroid update) stays on the CPU.
        km = faiss.Kmeans(d, k, niter=3, seed=a.seed, gpu=gpu, max_points_per_centroid=n, min_points_per_centroid=1)
        km.train(x)
        st = km.iteration_stats
        dt = [st[i]['time'] - st[i - 1]['time'] for i in range(1, len(st))]
        ds = [st[i]['time_search'] - st[i - 1]['time_search'] for i in range(1, len(st))]
        search, rest = float(np.mean(ds)), float(np.mean(dt) - np.mean(ds))
        print(f'per iteration: search {search:.2f} s ({100 * search / (search + rest):.1f}%), the rest (centroid update) {rest:.2f} s')
        print(f'paper_kmeans_split search_s={search:.3f} rest_s={rest:.3f}')
        return
    from sklearn.cluster import KMeans
    x = features(a.features, a.n, a.d, a.seed) if a.features else mixture(a.n or 50_000, a.d, a.k, a.seed)
    print(f'{x.shape[0]} x {x.shape[1]} features ({"from " + a.features if a.features else "Gaussian mixture"}), '
          f'k={a.k}, {os.cpu_count()} cores')
    t = time.perf_counter()
    sk = KMeans(a.k, random_state=a.seed).fit(x)           # scikit-learn's defaults
    t_sk, in_sk = time.perf_counter() - t, inertia(x, sk.cluster_centers_)
    print(f'sklearn (defaults: k-means++, max_iter 300, tol 1e-4): {t_sk:.2f} s, {sk.n_iter_} iterations, inertia {in_sk:,.2f}')
    for init in ['random', 'k-means++']:
        km = faiss.Kmeans(x.shape[1], a.k, niter=a.max_iter, seed=a.seed, max_points_per_centroid=len(x), min_points_per_centroid=1)
        init_c = None
        if init == 'k-means++':
            from sklearn.cluster import kmeans_plusplus
            init_c = kmeans_plusplus(x, a.k, random_state=a.seed)[0].astype(np.float32)
        km.train(x, init_centroids=init_c)
        objs = np.asarray(km.obj)
        hit = np.nonzero(objs <= in_sk * 1.01)[0]
        final_gap = (inertia(x, km.centroids) - in_sk) / in_sk
        if not len(hit):
            print(f'faiss ({init}): never within 1% of sklearn in {a.max_iter} iterations (final gap {final_gap:+.4f})')
            print(f'init={init} faiss_s=nan sklearn_s={t_sk:.2f} ratio=nan gap={final_gap:+.4f}')
            continue
        it = int(hit[0]) + 1                                     # obj[i] is measured in iteration i + 1
        t = time.perf_counter()
        c, _ = kmeans(x, a.k, niter=it, seed=a.seed, init=init)
        t_f = time.perf_counter() - t
        gap = (inertia(x, c) - in_sk) / in_sk
        print(f'faiss ({init} start): within 1% after {it} iterations: {t_f:.2f} s, gap {gap:+.4f} '
              f'(after {a.max_iter}: {final_gap:+.4f})')
        print(f'init={init} iters={it} faiss_s={t_f:.2f} sklearn_s={t_sk:.2f} ratio={t_sk/t_f:.1f} gap={gap:+.4f} gap_{a.max_iter}={final_gap:+.4f}')

if __name__ == '__main__': main()
