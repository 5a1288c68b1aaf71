"User errors and faults of the main job: one clear line and exit status 2, one run per folder, a diverged training stops its stage, a full disk, a stalled training"
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from conftest import call, launch

EXE = str(Path(sys.executable).parent/'sslkt_run')

def run(*args, timeout=600, env=None):
    return launch([EXE, *args], timeout, env=env)

def test_debug_shows_the_stack(tmp_path, monkeypatch):
    "SSLKT_DEBUG=1: the error itself, with its stack, instead of the one line"
    from sslkt.cli import sslkt_run
    from sslkt.config import ConfigError
    cfg = tmp_path/'bad.toml'; cfg.write_text('[cc]\nsize = 0\n')
    monkeypatch.setenv('SSLKT_DEBUG', '1')
    with pytest.raises(ConfigError, match='cc.size'): call(sslkt_run, preset='smoke', out=str(tmp_path/'out'), config=str(cfg))

def test_missing_model_is_one_line(tmp_path):
    from sslkt.cli import sslkt_eval
    r = call(sslkt_eval, model=str(tmp_path/'nothing.pth'), out=str(tmp_path/'e'))
    assert r.returncode == 2 and 'Traceback' not in r.stderr and r.stderr.startswith('sslkt_eval: ') and 'nothing.pth' in r.stderr, r.stderr
    r = call(sslkt_eval, model='not_a_model', out=str(tmp_path/'e'))
    assert r.returncode == 2 and 'random:ARCH' in r.stderr, r.stderr    # what a model can be

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
    from sslkt.config import RunError
    from sslkt.runner import run_lock
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
    from sslkt.config import RunError, load_config
    from sslkt.runner import Run
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
    r.fp = 'fp'
    with pytest.raises(RunError) as e: r.fit(learn, 3, 1e-3, d)
    assert 'cc: the training loss became non-finite (NaN or inf) in epoch 2 of 3' in str(e.value), str(e.value)
    assert 'the checkpoint of epoch 1 is kept' in str(e.value)
    assert (d/'checkpoint.pth').exists() and not (d/'history.csv').exists()

STALL = """
import sslkt, time, torch                                          # sslkt first: its filters for third-party warnings
import fastai.callback.progress                                     # Learner.no_bar
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.learner import Learner
from fastai.callback.core import Callback
from sslkt.utils import Watchdog
class Stuck(Callback):                                              # as a worker that never delivers its batch
    def before_batch(self):
        if self.epoch == 1 and self.iter == 1: time.sleep(120)
x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
dl = lambda: DataLoader(list(zip(x, y)), bs=16)
learn = Learner(DataLoaders(dl(), dl()), torch.nn.Linear(4, 2), loss_func=torch.nn.functional.cross_entropy, cbs=[Watchdog(5, 'cc'), Stuck()])
with learn.no_bar(), learn.no_logging(): learn.fit(3)
"""

def test_a_stalled_training_stops_naming_rank_stage_and_epoch():
    t0 = time.time()
    r = launch([sys.executable, '-c', STALL], 120)
    print(f'stopped after {time.time() - t0:.1f} s (imports included)')
    assert r.returncode == 1, r.stderr
    said = [o for o in r.stderr.splitlines() if o.startswith('rank ')]
    assert said == ['rank 0: cc, epoch 2 of 3: no batch for 5 s (a stuck data loader worker, or a rank waiting for another): stopped'], r.stderr
    assert 'in before_batch' in r.stderr                              # where it was stuck: every thread's stack
    assert time.time() - t0 < 60

def _full_disk(mnt:str, log:str):
    "Inside a mount namespace with a small tmpfs at `mnt`: fill it during pretext, then free it and rerun; what happened, as JSON"
    d, res = Path(mnt)/'run', {}
    err = Path(log + '.err')
    with open(log, 'w') as f, open(err, 'w') as e: p = subprocess.Popen([EXE, '--preset', 'smoke', '--out', str(d)], stdout=f, stderr=e, text=True)
    t0 = time.time()
    while not (d/'pretext'/'checkpoint.pth').exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    fd = os.open(Path(mnt)/'filler', os.O_WRONLY | os.O_CREAT)
    try:
        while True: os.write(fd, bytes(2**20))                          # until the device is full
    except OSError as e: res['filled'] = e.errno
    finally: os.close(fd)
    res['rc'] = p.wait(timeout=300); res['stderr'] = err.read_text()
    res['tmp'] = [str(o) for o in d.rglob('*.tmp')]
    res['epoch'] = torch.load(d/'pretext'/'checkpoint.pth', weights_only=False)['epoch']      # the last good checkpoint, readable
    os.remove(Path(mnt)/'filler')
    with open(log, 'w') as f: p = subprocess.Popen([EXE, '--preset', 'smoke', '--out', str(d)], stdout=f, stderr=subprocess.STDOUT, text=True)
    while not (d/'pretext'/'stage.json').exists() and p.poll() is None and time.time() - t0 < 600: time.sleep(0.1)
    p.terminate(); p.wait(timeout=60)
    res['rerun'] = Path(log).read_text()
    print(json.dumps(res))

@pytest.mark.long
def test_a_full_disk_is_one_line_and_the_rerun_resumes(tmp_path):
    "A tmpfs of its own (a user and mount namespace: no root needed) that fills up during pretext: exit 2, one line naming the file, no temporary left; freed, the rerun resumes"
    mnt = tmp_path/'mnt'; mnt.mkdir()
    probe = ['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$0"', mnt]
    if shutil.which('unshare') is None or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip('no user and mount namespaces here (unshare -rm, mount -t tmpfs) for a small tmpfs')
    code = f'import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from test_run_errors import _full_disk; _full_disk({str(mnt)!r}, {str(tmp_path/"log")!r})'
    r = launch(['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs -o size=256m tmpfs "$0" && exec "$1" -c "$2"', mnt, sys.executable, code], 900)
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads(r.stdout.splitlines()[-1])
    print(res['stderr'])
    assert res['filled'] == 28 and res['rc'] == 2, res                # ENOSPC; a user's problem: exit 2
    assert len(res['stderr'].splitlines()) == 1 and 'Traceback' not in res['stderr'], res['stderr']
    assert res['stderr'].startswith(f'sslkt_run: no space left on the device of {mnt}/run/pretext/checkpoint.pth: it could not be written'), res['stderr']
    assert 'free some space, then run the same command to resume' in res['stderr']
    assert res['tmp'] == []                                           # nothing half-written left behind
    assert f'resuming at epoch {res["epoch"] + 2} of 8' in res['rerun'], res['rerun']
    assert 'pretext: done in' in res['rerun'], res['rerun']

@pytest.mark.long
def test_a_killed_run_leaves_no_process(tmp_path):
    "kill -9 of a run's main process alone (as an out-of-memory killer does): its forkserver and data loader workers end by themselves"
    import psutil
    d = tmp_path/'run'
    p = subprocess.Popen([EXE, '--preset', 'smoke', '--out', str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while not (d/'pretext'/'checkpoint.pth').exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
        time.sleep(1)                                                   # within the next epoch: workers running
        kids = psutil.Process(p.pid).children(recursive=True)
        assert p.poll() is None and any('forkserver' in ' '.join(k.cmdline()) for k in kids), kids
    except BaseException: p.kill(); p.wait(); raise
    p.kill(); p.wait()
    gone, alive = psutil.wait_procs(kids, timeout=30)
    for k in alive: k.kill()
    assert not alive, [(k.pid, k.cmdline()[:3]) for k in alive]
