"Images held on the device feed the pretext and CC Learners (sslkt.cache below the stages that use it)"
import math, warnings
import pytest, torch
from sslkt.data import ImageSet
from sslkt.cache import ImageCache, cached_dls

@pytest.fixture(scope='module')
def cache():
    imgs = ImageSet.from_source(n_train=96, n_valid=32, seed=0, progress=False)
    return ImageCache(imgs, 96, 'cpu', cache=False, n_workers=0)

def test_pretext_on_cached_images(cache):
    from sslkt.pretext.train import jigsaw_learner
    learn = jigsaw_learner(cached_dls(cache, 96, 32), 'jigsaw++', 'alexnet', 10, crop=90, tile=26, fc6=64, fc7=128, seed=0)
    with warnings.catch_warnings(), learn.no_bar(), learn.no_logging():
        warnings.simplefilter('ignore')
        learn.fit(1, 1e-3)
    train_loss, valid_loss, acc = learn.recorder.values[-1]
    assert math.isfinite(train_loss) and math.isfinite(valid_loss) and 0 <= acc <= 1
    assert len(learn.recorder.losses) == 96 // 32                 # every training batch seen, drop_last

def test_same_seed_same_batches(cache):
    "A DataLoader draws its order and crops from its own generator, seeded from Python's `random` when it is made"
    import random
    batches = lambda: [x[0] for x in cached_dls(cache, 64, 32).train]
    random.seed(1); c = batches()
    random.seed(1); d = batches()
    random.seed(2); e = batches()
    assert all(torch.equal(x, y) for x, y in zip(c, d))
    assert not torch.equal(c[0], e[0])
