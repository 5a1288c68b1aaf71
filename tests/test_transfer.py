"The transfer stage from the shell: features -> k-means -> pseudo-labels -> cluster classification, and its bad input"
import json, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sslkt.transfer.cluster import Clustering, kmeans, assign, check_features
from sslkt.transfer.features import load_features

def run(cmd, *args):
    exe = Path(sys.executable).parent/cmd
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=900)

@pytest.fixture(scope='module')
def chain(tmp_path_factory):
    d = tmp_path_factory.mktemp('chain')
    r = run('sslkt_features', '--out', d/'feats', '--teacher', 'hog', '--n_train', 200, '--n_valid', 100, '--workers', 0)
    assert r.returncode == 0, r.stderr
    return d

def test_features_written(chain):
    f, items = load_features(chain/'feats')
    assert f.shape == (300, 1764) and len(items) == 300 and items.is_valid.sum() == 100
    assert json.loads((chain/'feats'/'teacher.json').read_text())['teacher'] == 'hog'

def test_cluster_then_cc(chain):
    r = run('sslkt_cluster', '--out', chain/'clusters', '--features', chain/'feats', '--k', 10, '--d', 64)
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    vals = dict(kv.split('=') for kv in last.split())
    assert vals['k'] == '10' and 0 < float(vals['nmi']) < 1 and 0 < float(vals['purity']) <= 1, last
    lab = pd.read_csv(chain/'clusters'/'pseudo_labels.csv')
    assert len(lab) == 300 and lab.pseudo_label.between(0, 9).all()            # every image got a pseudo-label
    for f in ('centroids.npy', 'clustering.json', 'pca.faiss', 'report.json', 'cluster_sizes.png'): assert (chain/'clusters'/f).exists(), f
    r = run('sslkt_cc', '--labels', chain/'clusters', '--out', chain/'cc', '--epochs', 1, '--size', 64, '--hidden', 64, '--bs', 32, '--workers', 0)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith('arch=alexnet k=10 epochs=1')
    assert (chain/'cc'/'trunk.pth').exists()

def test_cluster_missing_features(tmp_path):
    r = run('sslkt_cluster', '--out', tmp_path/'x', '--features', tmp_path/'nothing_here')
    assert r.returncode != 0 and 'nothing_here' in r.stderr

def test_k_larger_than_points(chain, tmp_path):
    r = run('sslkt_cluster', '--out', tmp_path/'big', '--features', chain/'feats', '--k', 500, '--d', 0)
    assert r.returncode != 0 and 'k=500' in r.stderr

def test_cc_missing_labels(tmp_path):
    r = run('sslkt_cc', '--labels', tmp_path/'nowhere', '--out', tmp_path/'out')
    assert r.returncode != 0 and 'nowhere' in (r.stderr + r.stdout)

def test_bad_features_errors():
    x = np.random.default_rng(0).normal(size=(100, 8)).astype(np.float32)
    x[[3, 7]] = np.nan
    with pytest.raises(ValueError, match='2 of 100 rows'): kmeans(x, 4)
    c, _ = kmeans(x[np.isfinite(x).all(1)], 4)
    with pytest.raises(ValueError, match='8 dimensions but the centroids 4'): assign(np.zeros((5, 8), np.float32), c[:, :4])
    with pytest.raises(ValueError, match='2-d'): check_features(np.zeros(5))

def test_clustering_fitted_dims_mismatch(chain, tmp_path):
    f, _ = load_features(chain/'feats')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cl = Clustering(5, d=32).fit(f)
    cl.save(tmp_path/'c')
    cl2 = Clustering.load(tmp_path/'c')
    assert (cl2.assign(f)[0] == cl.assign(f)[0]).all()
    with pytest.raises(ValueError, match='fitted on 1764'): cl2.assign(f[:, :100])

def test_empty_clusters_reported(chain, tmp_path):
    f, items = load_features(chain/'feats')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cl = Clustering(4, d=None, l2=False).fit(f)
    cl.centroids = np.concatenate([cl.centroids, np.full((2, f.shape[1]), 1e6, np.float32)])   # two centres far from every point
    cl.k = 6
    with pytest.warns(UserWarning, match='2 of 6 clusters are empty'):
        _, rep = cl.pseudo_labels(chain/'feats')
    assert rep['empty'] == 2
