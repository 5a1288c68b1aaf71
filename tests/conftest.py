import os
from pathlib import Path
import pytest

_shared = Path(__file__).resolve().parents[2]/'shared'/'fastai'
if 'FASTAI_HOME' not in os.environ and _shared.is_dir(): os.environ['FASTAI_HOME'] = str(_shared)
os.environ.setdefault('MPLBACKEND', 'Agg')

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
