"The transfer stage's console scripts, called in this process (`conftest.call`): their seeds, pseudo-labels of another data set, their bad input; sslkt_pretext as a process in a pipe. The features -> k-means -> pseudo-labels -> CC chain itself: `nbs/60_cli.ipynb`"
import json, sys, warnings
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sslkt.transfer.cluster import Clustering, kmeans, assign, check_features
from sslkt.transfer.features import load_features
from sslkt.cli import sslkt_features, sslkt_cluster, sslkt_assign, sslkt_cc, sslkt_pretext
from conftest import call, launch

@pytest.fixture(scope='module')
def chain(tmp_path_factory):
    d = tmp_path_factory.mktemp('chain')
    r = call(sslkt_features, out=str(d/'feats'), teacher='hog', size=128, n_train=200, n_valid=100, workers=0)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith(f"wrote {d/'feats'/'cluster_data'/'features.npy'}: 300 images x 1764 dimensions"), r.stdout
    return d

def test_cluster_missing_features(tmp_path):
    r = call(sslkt_cluster, out=str(tmp_path/'x'), features=str(tmp_path/'nothing_here'))
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr     # a user error, named, not a crash
    assert r.stderr.startswith('sslkt_cluster: features not found:') and 'nothing_here' in r.stderr, r.stderr

def test_k_larger_than_points(chain, tmp_path):
    r = call(sslkt_cluster, out=str(tmp_path/'big'), features=str(chain/'feats'), k=500, pca=0)
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.startswith('sslkt_cluster: k=500 clusters need between 1 and'), r.stderr

def test_cc_missing_labels(tmp_path):
    r = call(sslkt_cc, labels=str(tmp_path/'nowhere'), out=str(tmp_path/'out'))
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.startswith('sslkt_cc: no pseudo-labels at') and 'nowhere' in r.stderr, r.stderr

def test_bad_features_errors():
    x = np.random.default_rng(0).normal(size=(100, 8)).astype(np.float32)
    x[[3, 7]] = np.nan
    with pytest.raises(ValueError, match='2 of 100 rows'): kmeans(x, 4)
    c, _ = kmeans(x[np.isfinite(x).all(1)], 4)
    with pytest.raises(ValueError, match='8 dimensions but the centroids 4'): assign(np.zeros((5, 8), np.float32), c[:, :4])
    with pytest.raises(ValueError, match='2-d'): check_features(np.zeros(5))

def test_clustering_fitted_dims_mismatch(chain, tmp_path):
    f, _ = load_features(chain/'feats'/'cluster_data')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cl = Clustering(5, pca=32).fit(f)
    cl.save(tmp_path/'c')
    cl2 = Clustering.load(tmp_path/'c')
    assert (cl2.assign(f)[0] == cl.assign(f)[0]).all()
    with pytest.raises(ValueError, match='fitted on 1764'): cl2.assign(f[:, :100])

def test_empty_clusters_reported(chain, tmp_path):
    f, items = load_features(chain/'feats'/'cluster_data')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cl = Clustering(4, pca=None, l2=False).fit(f)
    cl.centroids = np.concatenate([cl.centroids, np.full((2, f.shape[1]), 1e6, np.float32)])   # two centres far from every point
    cl.k = 6
    with pytest.warns(UserWarning, match='2 of 6 clusters are empty'):
        _, rep = cl.pseudo_labels(chain/'feats'/'cluster_data')
    assert rep['empty'] == 2

def test_seeds_have_one_meaning(tmp_path):
    "--seed changes the random teacher and k-means, never the images; --data_seed changes the images; both are recorded"
    common = dict(teacher='random:alexnet', layer='conv2', size=64, n_train=40, n_valid=10, workers=0)
    for name, seed, data_seed in [('a', 0, 0), ('b', 1, 0), ('c', 0, 1)]:
        r = call(sslkt_features, out=str(tmp_path/name), **common, seed=seed, data_seed=data_seed)
        assert r.returncode == 0, r.stderr
    (fa, ia), (fb, ib), (fc, ic) = (load_features(tmp_path/n/'cluster_data') for n in 'abc')
    assert ia.path.tolist() == ib.path.tolist()             # another model seed: the same images
    assert not np.allclose(fa, fb)                          # ... through another random network
    assert set(ia.path) != set(ic.path)                     # another data seed: other images
    rec = json.loads((tmp_path/'b'/'stage.json').read_text())      # the stage's record
    assert (rec['config']['seed'], rec['config']['data_seed'], rec['norm']) == (1, 0, 'per_image')
    outs = []
    for seed in (0, 1):
        r = call(sslkt_cluster, out=str(tmp_path/f'k{seed}'), features=str(tmp_path/'a'), k=5, pca=16, seed=seed)
        assert r.returncode == 0, r.stderr
        outs.append(pd.read_csv(tmp_path/f'k{seed}'/'pseudo_labels.csv'))
        cfg = json.loads((tmp_path/f'k{seed}'/'clustering.json').read_text())
        assert (cfg['seed'], cfg['data_seed'], cfg['n_fit'], cfg['rows']) == (seed, 0, 40, 'train')
    assert outs[0].path.tolist() == outs[1].path.tolist()   # k-means seeds compared on the same images...
    c0, c1 = (np.load(tmp_path/f'k{s}'/'centroids.npy') for s in (0, 1))
    assert not np.allclose(c0, c1)                          # ...give other centres
    assert (outs[0].pseudo_label != outs[1].pseudo_label).any() or not np.allclose(outs[0].distance, outs[1].distance)

def test_assign_another_data_set(chain, tmp_path):
    "sslkt_assign: centres fitted on one data set pseudo-label another (features by the same teacher)"
    r = call(sslkt_cluster, out=str(tmp_path/'cl'), features=str(chain/'feats'), k=8, pca=32)
    assert r.returncode == 0, r.stderr
    r = call(sslkt_features, out=str(tmp_path/'other'), teacher='hog', size=128, n_train=50, n_valid=10, data_seed=7, workers=0)
    assert r.returncode == 0, r.stderr
    r = call(sslkt_assign, clusters=str(tmp_path/'cl'), features=str(tmp_path/'other'), out=str(tmp_path/'assigned'))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith('k=8 n=60 empty=')
    lab = pd.read_csv(tmp_path/'assigned'/'pseudo_labels.csv')
    assert len(lab) == 60 and lab.pseudo_label.between(0, 7).all()
    r = call(sslkt_assign, clusters=str(tmp_path/'nothing'), features=str(tmp_path/'other'), out=str(tmp_path/'x'))
    assert r.returncode != 0 and 'nothing' in r.stderr

def test_pretext_in_a_pipe(tmp_path):
    "sslkt_pretext, as a console script in a pipe: one plain line per epoch (no bar frames), a trunk that load_trunk reads, its history, the stage's record, no checkpoint left"
    from sslkt.models import load_trunk
    r = launch([Path(sys.executable).parent/'sslkt_pretext', '--out', tmp_path/'jig', '--task', 'jigsaw++', '--n_perms', 8, '--epochs', 2, '--size', 96,
                '--crop', 90, '--tile', 26, '--bs', 16, '--n_train', 48, '--n_valid', 16, '--workers', 0], 600)
    assert r.returncode == 0, r.stderr
    epochs = [l.strip() for l in r.stdout.splitlines() if l.strip().startswith('epoch ')]       # in a pipe: one plain line per epoch, no bar
    assert [l.split(':')[0] for l in epochs] == ['epoch 1/2', 'epoch 2/2'] and 'train_loss' in epochs[0] and 'accuracy' in epochs[0], r.stdout
    assert '\r' not in r.stdout + r.stderr and '█' not in r.stdout + r.stderr, r.stdout + r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith('task=jigsaw++ arch=alexnet epochs=2 accuracy=') and last.endswith('chance=0.1250'), last
    t = load_trunk(tmp_path/'jig'/'trunk.pth')
    assert (t.meta['task'], t.meta['n_perms']) == ('jigsaw++', 8), t.meta
    assert len(pd.read_csv(tmp_path/'jig'/'history.csv')) == 2                     # one row per epoch
    rec = json.loads((tmp_path/'jig'/'stage.json').read_text())
    assert (rec['n_train'], rec['n_valid'], rec['config']['pretext']['epochs']) == (48, 16, 2), rec
    assert not (tmp_path/'jig'/'checkpoint.pth').exists() and (tmp_path/'jig'/'start.pth').exists()
    assert not list((tmp_path/'jig').glob('*.tmp*'))                                # no temporary file left behind

def test_pretext_tiles_too_small(tmp_path):
    r = call(sslkt_pretext, out=str(tmp_path/'jig'), tile=16, crop=60, size=64, n_train=16, n_valid=8, workers=0)
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.startswith('sslkt_pretext: invalid configuration') and 'pretext.tile: 16 px is too small for the layers of alexnet' in r.stderr, r.stderr
    assert not (tmp_path/'jig').exists()                                            # checked before any work
