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
