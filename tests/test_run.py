"The main job, sslkt_run, on real images: end to end, rerun, stops (SIGTERM, Ctrl-C, kill -9) and resume, damaged outputs, configuration errors"
import re, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import kill_tree, launch

EXE = str(Path(sys.executable).parent/'sslkt_run')

def run(*args, timeout=900):
    t0 = time.time()
    r = launch([EXE, *args], timeout)
    return r, time.time() - t0

@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
    d = tmp_path_factory.mktemp('run')/'smoke'
    r, secs = run('--preset', 'smoke', '--out', d)
    assert r.returncode == 0, r.stderr[-3000:]
    return d, r.stdout, secs, r.stderr

STAGES = ['pretext', 'features', 'cluster', 'cc', 'hog_features', 'hog_cluster', 'hog_cc', 'eval']

def test_smoke_end_to_end(smoke):
    d, out, secs, err = smoke
    print(f'smoke run: {secs:.0f} s')
    for s in STAGES: assert (d/s/'stage.json').exists(), s
    for f in ['report.md', 'pretext/trunk.pth', 'cluster/pseudo_labels.csv', 'cluster/centroids.npy', 'cc/trunk.pth',
              'eval/results.json', 'eval/linear.png', 'eval/conv1_cc.png', 'cluster/cluster_samples.png', 'cc/curves.png']:
        assert (d/f).exists(), f
    assert not (d/'eval'/'features').exists()                         # the probes' feature cache goes once the table is written
    report = (d/'report.md').read_text()
    assert '| random |' in report and '| cc |' in report and '| hog_cc |' in report and '## Budget' in report
    assert 'report:' in out.splitlines()[-1]
    assert 'Warning' not in out and 'Warning' not in err             # no third-party noise on a normal run (Python warnings go to stderr)

def test_a_console_stage_clusters_as_the_run(smoke, tmp_path):
    "sslkt_cluster on a run's features with the run's [cluster] settings gives the run's centres and pseudo-labels: one implementation, one set of defaults"
    import json, numpy as np, pandas as pd
    from conftest import call
    from sslkt.cli import sslkt_cluster
    from sslkt.config import ClusterCfg, load_config
    d, c = smoke[0], load_config('smoke').cluster
    assert (c.whiten, c.niter, c.nredo) == (ClusterCfg.whiten, ClusterCfg.niter, ClusterCfg.nredo)    # the preset sets k and PCA only
    r = call(sslkt_cluster, out=str(tmp_path/'cl'), features=str(d/'features'), k=c.k, pca=c.pca)   # the preset's k and PCA; every other setting the default
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path/'cl'/'centroids.npy'), np.load(d/'cluster'/'centroids.npy'), rtol=1e-5, atol=1e-6)
    mine, run = (pd.read_csv(o/'pseudo_labels.csv') for o in (tmp_path/'cl', d/'cluster'))
    assert mine.path.equals(run.path) and mine.pseudo_label.equals(run.pseudo_label)       # every image, the same cluster
    np.testing.assert_allclose(mine.distance, run.distance, rtol=1e-4, atol=1e-6)
    a, b = (json.loads((o/'clustering.json').read_text()) for o in (tmp_path/'cl', d/'cluster'))
    assert a.pop('objective') == pytest.approx(b.pop('objective'), rel=1e-4) and a == b                 # the same settings and data seed recorded

def test_rerun_redoes_nothing(smoke):
    d, _, first, _ = smoke
    made = {f: f.stat().st_mtime_ns for f in d.rglob('*') if f.is_file() and f.name not in ('report.md', 'config.json') and '.lock' not in f.name}   # the run's own record aside
    r, secs = run('--preset', 'smoke', '--out', d)
    assert r.returncode == 0, r.stderr[-3000:]
    print(f'rerun: {secs:.1f} s vs {first:.0f} s')
    assert 'running' not in r.stdout
    assert {f: f.stat().st_mtime_ns for f in made} == made           # no stage wrote anything again
    assert all(f'{s}: done in an earlier run' in r.stdout for s in STAGES)

def _start(log, *args):
    "sslkt_run ARGS in the background, both its streams going to file `log` (a pipe nobody reads could block it, and reading one to its end waits for every process that inherited it)"
    with open(log, 'w') as f: return subprocess.Popen([EXE, *map(str, args)], stdout=f, stderr=subprocess.STDOUT, text=True)

def _kill_when(p, f, log, timeout=300):
    "SIGKILL process `p` and its children (data loader workers) as soon as file `f` exists (an epoch checkpoint written); its output so far"
    t0 = time.time()
    try:
        while not f.exists() and p.poll() is None and time.time() - t0 < timeout: time.sleep(0.05)
    except BaseException: kill_tree(p); raise                           # pytest-timeout, Ctrl-C: no process left behind
    rc = p.poll(); ok = f.exists() and rc is None
    states = kill_tree(p)                                                # what a stuck run was doing, for the failure message
    assert ok, f'{f} {"written" if f.exists() else "not written"} after {time.time() - t0:.0f} s, the run\'s exit status {rc} (None: still running); processes {states}:\n' + log.read_text()[-3000:]
    return log.read_text()

def _stop_when(p, f, log, sig, timeout=300):
    "Send signal `sig` to process `p` as soon as file `f` exists (an epoch checkpoint written); (its exit status, seconds it took to stop, its output)"
    t0 = time.time()
    try:
        while not f.exists() and p.poll() is None and time.time() - t0 < timeout: time.sleep(0.05)
    except BaseException: kill_tree(p); raise                           # pytest-timeout, Ctrl-C: no process left behind
    rc = p.poll()
    if not f.exists() or rc is not None:
        states = kill_tree(p)
        pytest.fail(f'{f} {"written" if f.exists() else "not written"} after {time.time() - t0:.0f} s, exit status {rc}; processes {states}:\n' + log.read_text()[-3000:])
    p.send_signal(sig); t1 = time.time()
    try: p.wait(timeout=60)
    except subprocess.TimeoutExpired: kill_tree(p); pytest.fail(f'still running 60 s after {signal.Signals(sig).name}:\n' + log.read_text()[-3000:])
    return p.returncode, time.time() - t1, log.read_text()

def test_a_stop_is_one_line_naming_stage_and_epoch(tmp_path):
    "SIGTERM (as a scheduler or `kill` sends it) during pretext's training: stopped within seconds, exit 143, one line saying where and how to resume, nothing half-written, the stage not taken for finished"
    d, log = tmp_path/'stopped', tmp_path/'stopped.log'
    rc, secs, out = _stop_when(_start(log, '--preset', 'smoke', '--out', d), d/'pretext'/'checkpoint.pth', log, signal.SIGTERM)
    print(f'SIGTERM: stopped in {secs:.1f} s')
    assert rc == 143 and secs < 30, (rc, secs, out)
    assert re.search(r'sslkt_run: stopped by SIGTERM in pretext, epoch \d+ of 8; run the same command to resume', out), out
    assert 'Traceback' not in out and not list(d.rglob('*.tmp')) and not (d/'pretext'/'stage.json').exists()

@pytest.mark.long
def test_exact_resume(smoke, tmp_path):
    "Killed (-9, as an out-of-memory killer does) in pretext, then stopped by Ctrl-C in cc, then rerun: each rerun resumes from its checkpoint; the same weights, history and table as the uninterrupted run"
    import json, torch, pandas as pd
    d0, d = smoke[0], tmp_path/'killed'
    log = tmp_path/'killed.log'
    _kill_when(_start(log, '--preset', 'smoke', '--out', d), d/'pretext'/'checkpoint.pth', log)
    assert not (d/'pretext'/'stage.json').exists()                       # unfinished work is never taken for finished
    rc, secs, out = _stop_when(_start(log, '--preset', 'smoke', '--out', d), d/'cc'/'checkpoint.pth', log, signal.SIGINT)
    print(f'Ctrl-C: stopped in {secs:.1f} s')
    assert rc == 130 and secs < 30, (rc, secs, out)
    assert re.search(r'pretext: .*resuming at epoch \d+ of 8', out, re.S), out
    assert re.search(r'sslkt_run: stopped by SIGINT in cc, epoch \d+ of 6; run the same command to resume', out), out
    r, _ = run('--preset', 'smoke', '--out', d)
    assert r.returncode == 0 and re.search(r'resuming at epoch \d+ of 6', r.stdout), r.stdout + r.stderr[-2000:]
    assert not list(d.rglob('*.tmp')) and not list(d.rglob('checkpoint.pth'))
    for stage in ['pretext', 'cc', 'hog_cc']:
        a, b = torch.load(d0/stage/'trunk.pth', weights_only=False)['state_dict'], torch.load(d/stage/'trunk.pth', weights_only=False)['state_dict']
        for k in a: assert torch.equal(a[k], b[k]), (stage, k)
    for stage in ['pretext', 'cc']:                                     # the epochs before and after each stop (the training loss is smoothed across batches: not compared)
        h, h0 = (pd.read_csv(p/stage/'history.csv').drop(columns='train_loss') for p in (d, d0))
        assert h.equals(h0), (stage, h, h0)
    score = lambda p: [(o['model'], o['protocol'], o['layer'], o['score']) for o in json.loads((p/'eval'/'results.json').read_text())]
    assert score(d) == score(d0)

def test_damaged_outputs_are_never_trusted(smoke, tmp_path):
    "A finished run's trunk cut to a third and its pseudo-labels cut in half: the rerun says which, reruns those stages and what reads them, and ends where the undamaged run ended"
    import json, torch
    d0, d = smoke[0], tmp_path/'damaged'
    shutil.copytree(d0, d, ignore=shutil.ignore_patterns('.lock*'))
    for f, cut in [(d/'cc'/'trunk.pth', 3), (d/'cluster'/'pseudo_labels.csv', 2)]: b = f.read_bytes(); f.write_bytes(b[:len(b) // cut])
    r, _ = run('--preset', 'smoke', '--out', d)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    print(*[o for o in r.stdout.splitlines() if 'rerun' in o], sep='\n')
    assert re.search(r'cluster: rerun, replacing the earlier result \(pseudo_labels.csv has [\d,]+ bytes, [\d,]+ when written\)', r.stdout), r.stdout
    assert re.search(r'cc: rerun, replacing the earlier result \(.*trunk.pth has [\d,]+ bytes', r.stdout), r.stdout
    assert 'eval: rerun' in r.stdout
    for s in ['pretext', 'features', 'hog_features', 'hog_cluster', 'hog_cc']: assert f'{s}: done in an earlier run' in r.stdout, s
    a, b = torch.load(d0/'cc'/'trunk.pth', weights_only=False)['state_dict'], torch.load(d/'cc'/'trunk.pth', weights_only=False)['state_dict']
    for k in a: assert torch.equal(a[k], b[k]), k
    assert (d/'cluster'/'pseudo_labels.csv').read_bytes() == (d0/'cluster'/'pseudo_labels.csv').read_bytes()
    score = lambda p: [(o['model'], o['protocol'], o['layer'], o['score']) for o in json.loads((p/'eval'/'results.json').read_text())]
    assert score(d) == score(d0)

def test_a_checkpoint_of_the_last_epoch_is_the_result(tmp_path, imagenette_items, monkeypatch):
    "Stopped after the last epoch's checkpoint but before the stage's record: the rerun trains no epoch and keeps those weights"
    monkeypatch.setattr('sslkt.runner.on_terminal', lambda: False)   # epoch lines, not bars, even under `pytest -s` on a terminal
    import shutil, torch
    from fastai.callback.core import Callback
    from sslkt.config import load_config
    from sslkt.runner import Run
    from sslkt.transfer.cc import pseudo_label_dls, cc_learner
    df = imagenette_items.groupby('is_valid').head(24).reset_index(drop=True).assign(pseudo_label=lambda o: o.index % 3)
    learner = lambda: cc_learner(pseudo_label_dls(df, size=64, bs=8, num_workers=0), size=64, hidden=64, seed=0)
    d, lines = tmp_path/'cc', []
    class KeepCheckpoint(Callback):                                 # a copy of each epoch's checkpoint, which fit removes at its end
        order = 61
        def after_epoch(self): shutil.copy(d/'checkpoint.pth', tmp_path/'last.pth')
    run = Run(tmp_path, load_config('smoke'), log=lines.append)
    learn = learner(); learn.add_cb(KeepCheckpoint())
    run.fp = 'fp'; h1 = run.fit(learn, 2, 0.01, d)
    assert len(h1) == 2 and sum(o.lstrip().startswith('epoch ') for o in lines) == 2
    w1 = {k: v.clone() for k, v in learn.model.state_dict().items()}
    shutil.move(tmp_path/'last.pth', d/'checkpoint.pth')            # as if killed between the last checkpoint and the record
    lines.clear(); learn = learner()
    h2 = run.fit(learn, 2, 0.01, d)
    assert any('all 2 epochs were done before the stop' in o for o in lines), lines
    assert not any(o.lstrip().startswith('epoch ') for o in lines), lines  # no epoch trained again
    assert h2.equals(h1) and not (d/'checkpoint.pth').exists()
    for k, v in learn.model.state_dict().items(): assert torch.equal(v, w1[k]), k

def test_configuration_errors_before_any_training(tmp_path, imagenette_items):
    "Every problem of a configuration at once, one line each, exit 2, before anything runs or any folder is made (`tests/test_config.py` checks the problems themselves)"
    flat = tmp_path/'flat'; flat.mkdir()
    for p in imagenette_items.path[:30]: shutil.copy(p, flat)
    cfg = tmp_path/'bad.toml'
    cfg.write_text(f'[pretext]\narch = "lenet"\ntile = 60\nlr = -0.5\n[cc]\narch = "vgg19"\n[cluster]\nk = 5000\n'
                   f'[eval]\nprotocols = ["svm"]\ndata = {{ source = "{flat}" }}\n[features]\ndata = {{ source = "{tmp_path}/missing" }}\n')
    r, secs = run('--preset', 'smoke', '--out', tmp_path/'out', '--config', cfg)
    assert r.returncode == 2 and r.stderr.startswith('sslkt_run: invalid configuration'), r.stderr
    for s in ["pretext.arch: unknown architecture 'lenet'", "cc.arch: unknown architecture 'vgg19'", 'pretext.tile: 60',
              'pretext.lr: must be greater than 0, got -0.5', "eval.protocols: unknown ['svm']", 'features.data.source', 'missing',
              'eval.data.source', 'unlabelled']:
        assert s in r.stderr, (s, r.stderr)
    assert 'Traceback' not in r.stderr and not (tmp_path/'out').exists()   # nothing ran, no run folder

def test_help_is_fast():
    t0 = time.time()
    r = subprocess.run([EXE, '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and '--preset' in r.stdout
    print(f'sslkt_run --help: {time.time() - t0:.2f} s')
    # what makes it fast, checked without timing it: the console scripts' module imports neither torch nor fastai
    code = 'import sys, sslkt.cli; print(sorted(m for m in ("torch", "fastai", "faiss") if m in sys.modules))'
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == '[]', r.stdout + r.stderr
