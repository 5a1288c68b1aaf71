"Data-parallel training, puzzles and sharded features with two processes (torchrun, gloo on CPU), checked against one process"
import os, re, subprocess, sys, time
from pathlib import Path
import numpy as np, pytest, torch
from conftest import kill_tree, launch

HERE = Path(__file__).parent
TORCHRUN = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2']

def torchrun(*args, timeout=600):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get('PYTHONPATH', '')]))
    t0 = time.time()
    r = launch([*TORCHRUN, *args], timeout, env=env)
    return r, time.time() - t0

@pytest.fixture(scope='module')
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp('ddp')
    r, secs = torchrun(HERE/'distributed_worker.py', out)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    print(f'two processes: {secs:.1f} s')
    res = [torch.load(out/f'rank{i}.pt', weights_only=False) for i in range(2)]
    assert [o['world'] for o in res] == [2, 2]
    return res

def assert_same(a:dict, b:dict, atol=0.):
    assert a.keys() == b.keys()
    for k in a: torch.testing.assert_close(a[k], b[k], atol=atol, rtol=0 if atol == 0 else 1e-5, msg=k)

def test_ddp_equals_one_process_on_the_concatenated_batches(ranks):
    from distributed_worker import toy_learner, toy_data
    r0, r1 = ranks[0]['toy'], ranks[1]['toy']
    assert_same(r0['weights'], r1['weights'])                          # both ranks end with the same weights
    assert len(r0['batches']) == len(r1['batches']) == 4               # 48 samples, 6 per rank and step
    x = toy_data()[0]
    seen = torch.cat([b[0] for b in r0['batches'] + r1['batches']])
    assert sorted(map(tuple, seen.tolist())) == sorted(map(tuple, x.tolist()))   # each sample once, over the two ranks
    joint = [(torch.cat([a[0], b[0]]), torch.cat([a[1], b[1]])) for a, b in zip(r0['batches'], r1['batches'])]
    one = toy_learner(batches=joint)
    with one.no_bar(), one.no_logging(): one.fit(1)
    assert_same(r0['weights'], one.model.state_dict(), atol=1e-6)
    start = toy_learner().model.state_dict()
    assert any(not torch.equal(start[k], one.model.state_dict()[k]) for k in start)   # it did train

def test_cached_images_split_between_ranks(ranks):
    a, b = ranks[0]['cached_idxs'], ranks[1]['cached_idxs']
    assert len(a) == len(b) == 20 and not set(a) & set(b) and sorted(a + b) == list(range(40))
    assert_same(ranks[0]['cnn'], ranks[1]['cnn'])
    assert_same(ranks[0]['jigsaw_weights'], ranks[1]['jigsaw_weights'])

def test_puzzles_differ_between_ranks_and_repeat_on_a_rank(ranks):
    (a1, a2), (b1, b2) = ranks[0]['puzzle_labels'], ranks[1]['puzzle_labels']
    assert len(a1) == len(b1) == 16                                    # 2 batches of 8 per rank
    assert torch.equal(a1, a2) and torch.equal(b1, b2)                 # same rank, same seed: the same puzzles
    assert not torch.equal(a1, b1)                                     # the other rank: others

def test_sharded_features_equal_one_process(ranks, tmp_path):
    from sslkt.data import ImageSet
    from sslkt.transfer.features import extract_features, teacher_from_spec, load_features
    f2, items2 = load_features(ranks[0]['features'])
    assert ranks[1]['features'] == ranks[0]['features']
    assert not (Path(ranks[0]['features']).parent/'parts').exists()
    imgs = ImageSet.from_source(n_train=40, n_valid=10, seed=0, progress=False)
    p = extract_features(teacher_from_spec('random:alexnet', 'conv5', 'avg2'), imgs, tmp_path, size=96, bs=8, progress=False, num_workers=0)
    f1, items1 = load_features(p)
    assert f1.shape == f2.shape == (50, 1024)
    assert items1.path.tolist() == items2.path.tolist()
    np.testing.assert_allclose(f2, f1, rtol=1e-5, atol=1e-5)

def test_eval_under_torchrun_equals_one_process(ranks, tmp_path):
    "k-NN and linear probes under the launcher: the same scores on every rank, and as one process gets"
    from sslkt.data import ImageSet
    from sslkt.evaluate.probes import evaluate
    imgs = ImageSet.from_source(n_train=40, n_valid=10, seed=0, progress=False)
    knn = evaluate('random:alexnet', imgs, 'knn', features_dir=tmp_path, size=96, progress=False, num_workers=0)[0]
    lin = evaluate('random:alexnet', imgs, 'linear', ['conv1', 'conv5'], features_dir=tmp_path, size=96, epochs=2, progress=False, num_workers=0)
    for r in ranks:
        assert r['knn']['accuracy'] == knn['accuracy']                       # k-NN: exactly
        assert [o['accuracy'] for o in r['linear']] == [o['accuracy'] for o in lin]
    assert (ranks[0]['knn']['n_train'], ranks[0]['knn']['n_valid']) == (40, 10)

EPOCHS = 60

@pytest.mark.long
def test_many_passes_under_torchrun_never_hang(tmp_path):
    "Two ranks, 60 epochs of training and validation with 2 workers per loader: 240 worker starts per rank, none stuck (forked workers hung in 3 runs of 3, in epochs 42, 1 and 47)"
    r, secs = torchrun(HERE/'epochs_worker.py', tmp_path/'run', EPOCHS, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(f'{EPOCHS} epochs under torchrun: {secs:.0f} s')
    assert r.stdout.count('epoch ') >= EPOCHS and (tmp_path/'run'/'pretext'/'stage.json').exists()

STAGES = ['pretext', 'features', 'cluster', 'cc', 'hog_features', 'hog_cluster', 'hog_cc', 'eval']

@pytest.fixture(scope='module')
def launched(tmp_path_factory):
    "sslkt_run --preset smoke with two processes under torchrun"
    d = tmp_path_factory.mktemp('run2')/'smoke'
    r, secs = torchrun('--no-python', Path(sys.executable).parent/'sslkt_run', '--preset', 'smoke', '--out', d)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return d, r.stdout, secs

@pytest.mark.long
def test_sslkt_run_under_torchrun(launched):
    d, out, secs = launched
    print(f'sslkt_run --preset smoke, 2 processes: {secs:.0f} s')
    for s in STAGES: assert (d/s/'stage.json').exists(), s
    assert (d/'report.md').exists() and '| cc |' in (d/'report.md').read_text()
    assert out.count('pretext: running') == 1                           # rank 0 alone logs
    assert not list(d.rglob('parts')) and not list(d.rglob('checkpoint.pth')) and not list(d.rglob('*.tmp'))
    import pandas as pd
    assert len(pd.read_csv(d/'cc'/'history.csv')) == 6

@pytest.mark.long
def test_resume_under_torchrun(launched, tmp_path):
    "A changed field, killed (-9, the launcher and both ranks) during cc's training, resumes from its checkpoint under the launcher"
    d = launched[0]
    cfg = tmp_path/'longer.toml'; cfg.write_text('[cc]\nepochs = 20\n')   # epochs of about a second: the kill lands mid-training
    cmd = [*TORCHRUN, '--no-python', str(Path(sys.executable).parent/'sslkt_run'), '--preset', 'smoke', '--out', str(d), '--config', str(cfg)]
    log = tmp_path/'killed.log'
    with open(log, 'w') as f: p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, text=True)   # a file: a pipe nobody reads can block it
    ck, t0 = d/'cc'/'checkpoint.pth', time.time()
    while not ck.exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.2)
    ok = p.poll() is None and ck.exists()
    procs = kill_tree(p)
    assert ok, f'{ck} not written or the run ended ({p.returncode}); processes {procs}:\n' + log.read_text()[-3000:]
    assert len(procs) >= 3, procs                                       # the launcher and its two ranks
    assert not (d/'cc'/'stage.json').exists()
    r, _ = torchrun('--no-python', Path(sys.executable).parent/'sslkt_run', '--preset', 'smoke', '--out', d, '--config', cfg)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert re.search(r'resuming at epoch \d+ of 20', r.stdout), r.stdout
    for s in ['pretext', 'features', 'cluster']: assert f'{s}: done in an earlier run' in r.stdout, s   # only cc and what follows run again
    import pandas as pd
    assert len(pd.read_csv(d/'cc'/'history.csv')) == 20 and (d/'cc'/'stage.json').exists()
