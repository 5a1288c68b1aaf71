"User errors of the main job: one clear line and exit status 2, one run per folder, a diverged training stops its stage"
import os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch

EXE = str(Path(sys.executable).parent/'sslkt_run')

def run(*args, timeout=600, env=None):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)

@pytest.mark.parametrize('toml,field', [('[pretext]\nlr = -0.5\n', 'pretext.lr: must be greater than 0, got -0.5'),
                                        ('[pretext]\nlr = nan\n', 'pretext.lr: must be a finite number, got nan'),
                                        ('[cc]\nsize = 0\n', 'cc.size: must be at least 1, got 0'),
                                        ('[eval]\ndata = { n_train = 0 }\n', 'eval.data.n_train: must be at least 1, got 0')])
def test_hostile_settings_are_one_line(tmp_path, toml, field):
    cfg = tmp_path/'bad.toml'; cfg.write_text(toml)
    r = run('--preset', 'smoke', '--out', tmp_path/'out', '--config', cfg)
    assert r.returncode == 2, r.stderr
    assert 'Traceback' not in r.stderr and field in r.stderr, r.stderr
    assert r.stderr.startswith('sslkt_run: invalid configuration')
    assert not (tmp_path/'out').exists()                             # no stage folder, no run folder

def test_debug_shows_the_stack(tmp_path):
    cfg = tmp_path/'bad.toml'; cfg.write_text('[cc]\nsize = 0\n')
    r = run('--preset', 'smoke', '--out', tmp_path/'out', '--config', cfg, env={**os.environ, 'SSLKT_DEBUG': '1'})
    assert r.returncode != 0 and 'Traceback' in r.stderr and 'cc.size' in r.stderr

def test_missing_model_is_one_line(tmp_path):
    r = subprocess.run([str(Path(sys.executable).parent/'sslkt_eval'), '--model', str(tmp_path/'nothing.pth'), '--out', str(tmp_path/'e')],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and 'Traceback' not in r.stderr and r.stderr.startswith('sslkt_eval: ') and 'nothing.pth' in r.stderr, r.stderr

def test_two_runs_on_one_folder(tmp_path):
    "A second run on a folder in use exits at once, naming the folder and the first run's process"
    d = tmp_path/'dup'
    first = subprocess.Popen([EXE, '--preset', 'smoke', '--out', str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)   # output unread: no pipe to fill
    try:
        t0 = time.time()
        while not (d/'.lock.holder').exists() and first.poll() is None and time.time() - t0 < 120: time.sleep(0.1)
        assert first.poll() is None
        t0 = time.time()
        r = run('--preset', 'smoke', '--out', d)
        assert r.returncode == 2, r.stdout + r.stderr
        assert f'{d} is in use by another run (pid {first.pid} on ' in r.stderr and 'Traceback' not in r.stderr, r.stderr
        assert first.poll() is None                                 # the first run goes on, its files untouched
    finally:
        first.kill(); first.wait()
    r = run('--preset', 'smoke', '--out', d, '--config', '/no/such.toml')   # a killed holder leaves no lock behind
    assert r.returncode == 2 and 'no such file' in r.stderr and 'in use' not in r.stderr, r.stderr

def test_lock_is_released_and_reacquired(tmp_path):
    from sslkt.run import run_lock, RunError
    with run_lock(tmp_path).acquire():
        with pytest.raises(RunError, match='in use by another run'): run_lock(tmp_path).acquire()
    with run_lock(tmp_path).acquire(): pass                          # free again after the first one ended
    assert not (tmp_path/'.lock.holder').exists()

def test_diverged_training_stops_its_stage(tmp_path):
    "A loss that becomes NaN ends the fit with an error naming the stage and the epoch; the last good checkpoint stays"
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.learner import Learner
    import fastai.callback.schedule  # Learner.fit_one_cycle
    from sslkt.run import Run, RunError, load_config
    from sslkt.models import make_trunk, Classifier
    torch.manual_seed(0)
    net = Classifier(make_trunk('alexnet'), 2, 64, hidden=16)
    xs, ys = torch.randn(32, 3, 64, 64), torch.randint(0, 2, (32,))
    calls = []
    def loss(p, y):
        calls.append(1)
        l = torch.nn.functional.cross_entropy(p, y)
        return l * float('nan') if len(calls) > 6 else l             # epoch 1: 4 batches + 2 valid; NaN from epoch 2 on
    dl = lambda: DataLoader(list(zip(xs, ys)), bs=8)
    learn = Learner(DataLoaders(dl(), DataLoader(list(zip(xs, ys))[:16], bs=8), device='cpu'), net, loss_func=loss)
    r = Run(tmp_path, load_config('smoke'), log=lambda m: None)
    d = tmp_path/'cc'; d.mkdir()
    with pytest.raises(RunError) as e: r.fit(learn, 3, 1e-3, d, 'fp')
    assert 'cc: the training loss became non-finite (NaN or inf) in epoch 2 of 3' in str(e.value), str(e.value)
    assert 'the checkpoint of epoch 1 is kept' in str(e.value)
    assert (d/'checkpoint.pth').exists() and not (d/'history.csv').exists()
