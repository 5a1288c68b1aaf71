import os, subprocess, tempfile
from pathlib import Path
import pytest

_shared = Path(__file__).resolve().parents[2]/'shared'/'fastai'
if 'FASTAI_HOME' not in os.environ and _shared.is_dir(): os.environ['FASTAI_HOME'] = str(_shared)
os.environ.setdefault('MPLBACKEND', 'Agg')
if (_n := int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))) > 1:   # pytest -n N: N processes share the cores (torch is not imported yet)
    os.environ.setdefault('OMP_NUM_THREADS', str(max(1, len(os.sched_getaffinity(0)) // _n)))   # the console runs they start too

@pytest.fixture(scope='session')
def imagenette_items():
    from sslkt.data import scan_images
    return scan_images()

def kill_tree(p)->list:
    "SIGKILL `Popen` `p` and every process under it (data loader workers; torchrun's ranks run in sessions of their own), then wait for them; (pid, name, status, user CPU s) of each as it was"
    import psutil                                                       # (accelerate's dependency)
    try: procs = [psutil.Process(p.pid), *psutil.Process(p.pid).children(recursive=True)]
    except psutil.NoSuchProcess: procs = []
    states = []
    for q in procs:
        try: states.append((q.pid, q.name(), q.status(), q.cpu_times().user)); q.kill()
        except psutil.NoSuchProcess: pass
    psutil.wait_procs(procs, timeout=60); p.wait()
    return states

def launch(cmd:list, timeout:float, env:dict|None=None)->subprocess.CompletedProcess:
    "Run `cmd` to its end, its output in files (a pipe read to its end waits for every process that inherited it); past `timeout` s, kill its process tree and fail, with what it printed"
    with tempfile.TemporaryDirectory() as d:
        out, err = Path(d)/'out', Path(d)/'err'
        with open(out, 'w') as o, open(err, 'w') as e: p = subprocess.Popen([str(c) for c in cmd], stdout=o, stderr=e, text=True, env=env)
        try: p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            states = kill_tree(p)
            pytest.fail(f'{" ".join(map(str, cmd))}: still running after {timeout:.0f} s, killed; its processes {states}\n'
                        f'stdout: {out.read_text()[-3000:]}\nstderr: {err.read_text()[-3000:]}')
        except BaseException: kill_tree(p); raise                       # pytest-timeout, Ctrl-C: no process left behind
        return subprocess.CompletedProcess(p.args, p.returncode, out.read_text(), err.read_text())

def call(f, *args, **kwargs)->subprocess.CompletedProcess:
    "Console script `f` (an `sslkt.cli` function) called in this process with keyword arguments: its exit status, stdout and stderr, as `launch` gives them (no interpreter to start: a second, not five); a user error exits 2"
    import contextlib, io, signal
    out, err, handlers = io.StringIO(), io.StringIO(), {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    rc = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): f(*args, **kwargs)
    except SystemExit as e:                                             # as the interpreter ends: None is 0, a message goes to stderr and is 1
        rc = 0 if e.code is None else e.code if isinstance(e.code, int) else (print(e.code, file=err) or 1)
    finally:
        for s, h in handlers.items(): signal.signal(s, h)              # the script's stop handlers are the process's, not pytest's
    return subprocess.CompletedProcess(f.__name__, rc, out.getvalue(), err.getvalue())

@pytest.fixture
def scans_once(monkeypatch):
    "Each data source scanned once for the whole test (`check_config` scans every source it is given: 13,394 files for Imagenette)"
    import functools, sslkt.data
    scan = functools.cache(sslkt.data.scan_images)
    monkeypatch.setattr(sslkt.data, 'scan_images', lambda *a, **k: scan(*a, **k).copy())
