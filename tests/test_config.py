"""Every number of a run's configuration is checked before any work: each invalid value is reported naming its field."""
import math
from dataclasses import fields
import pytest
from sslkt.config import Config, ConfigError, load_config
from sslkt.checks import check_config, limits

pytestmark = pytest.mark.usefixtures('scans_once')

def numeric_fields(cls=Config, prefix=''):
    "(dotted name, type) of every int or float field of the configuration, data sections included"
    import sslkt.config as r
    for f in fields(cls):
        kinds = [t.strip() for t in str(f.type).split('|')]
        sub = next((t for t in kinds if t.endswith('Cfg')), None)
        if sub: yield from numeric_fields(getattr(r, sub), f'{prefix}{f.name}.')
        elif 'int' in kinds or 'float' in kinds: yield f'{prefix}{f.name}', 'int' if 'int' in kinds else 'float'

def nested(name, v):
    d = v
    for k in reversed(name.split('.')): d = {k: d}
    return d

FIELDS = list(numeric_fields())

def test_every_number_has_limits():
    for name, _ in FIELDS:
        key = name if name in limits else '.'.join(name.split('.')[-2:])
        assert key in limits, f'{name} has no limits'

@pytest.mark.parametrize('name,kind', FIELDS)
def test_invalid_numbers_are_named(name, kind):
    lo, hi, open_lo = limits[name if name in limits else '.'.join(name.split('.')[-2:])]
    bad = [-1, 'x', float('nan'), float('inf')] + ([0] if (lo and lo >= 1) or (open_lo and lo == 0) else []) + ([hi + 1] if hi is not None else [])
    if name == 'pretext.gray': bad += [1.5]
    for v in bad:
        with pytest.raises(ConfigError) as e:
            check_config(load_config('smoke', nested(name, v)))
        assert any(p.startswith(f'config.{name}:') or p.startswith(f'{name}:') for p in e.value.problems), (name, v, e.value.problems)

def test_all_problems_at_once():
    with pytest.raises(ConfigError) as e:
        check_config(load_config('smoke', dict(pretext=dict(lr=-0.5, gray=2.0), cc=dict(size=0), eval=dict(data=dict(n_train=0)))))
    assert sorted(p.split(':')[0] for p in e.value.problems) == ['cc.size', 'eval.data.n_train', 'pretext.gray', 'pretext.lr']

def test_sizes_too_small_for_the_network():
    for cfg, field in [(dict(cc=dict(size=20)), 'cc.size'), (dict(eval=dict(size=20)), 'eval.size'), (dict(features=dict(size=8)), 'features.size')]:
        with pytest.raises(ConfigError, match=field): check_config(load_config('smoke', cfg))

def test_presets_are_valid():
    for p in ('demo', 'smoke', 'imagenette'): check_config(load_config(p))

def test_minimums_are_enforced():
    "Counts that must be at least 1 (epochs, batch sizes, k) refuse 0, each naming its field"
    for name in ('pretext.epochs', 'cc.epochs', 'pretext.bs', 'cc.bs', 'cluster.k', 'eval.epochs', 'eval.finetune.epochs', 'eval.finetune.data.per_class'):
        with pytest.raises(ConfigError) as e: check_config(load_config('smoke', nested(name, 0)))
        assert [p for p in e.value.problems if p.startswith(f'{name}:')], (name, e.value.problems)

@pytest.mark.parametrize('cfg,starts', [
    (dict(pretext=dict(task='rotation')), "pretext.task: unknown 'rotation'"),
    (dict(pretext=dict(arch='lenet')), 'pretext.arch: unknown architecture'),
    (dict(features=dict(layer='fc7')), "features.layer: alexnet has no layer 'fc7'"),
    (dict(eval=dict(layers=['conv6'])), "eval.layers: unknown ['conv6']"),
    (dict(eval=dict(protocols=['svm'])), "eval.protocols: unknown ['svm']"),
    (dict(eval=dict(baselines=['imagenet'])), "eval.baselines: unknown ['imagenet']"),
])
def test_words_are_checked(cfg, starts):
    "Fields that take a name: an unknown one is reported with its field and the names it could be"
    with pytest.raises(ConfigError) as e: check_config(load_config('smoke', cfg))
    assert any(p.startswith(starts) for p in e.value.problems), e.value.problems

def test_unknown_field_is_named():
    with pytest.raises(ConfigError) as e: load_config('smoke', dict(cc=dict(epoch=3)))
    assert any(p.startswith('config.cc.epoch: unknown field') for p in e.value.problems), e.value.problems

@pytest.mark.parametrize('cfg,said', [
    (dict(pretext=dict(lr=-0.5)), 'pretext.lr: must be greater than 0, got -0.5'),
    (dict(pretext=dict(lr=float('nan'))), 'pretext.lr: must be a finite number, got nan'),
    (dict(cc=dict(size=0)), 'cc.size: must be at least 1, got 0'),
    (dict(eval=dict(data=dict(n_train=0))), 'eval.data.n_train: must be at least 1, got 0'),
    (dict(cluster=dict(k=5000)), 'cluster.k: 5000 clusters need at least as many training images; features.data has 160'),
])
def test_what_a_problem_says(cfg, said):
    "The exact words of a few problems (`tests/test_run.py` checks that the console prints them as one line each)"
    with pytest.raises(ConfigError) as e: check_config(load_config('smoke', cfg))
    assert any(p.startswith(said) for p in e.value.problems), e.value.problems

def test_a_value_of_the_wrong_type():
    with pytest.raises(ConfigError) as e: check_config(load_config('smoke', dict(cluster=dict(k='many'))))
    assert any(p.startswith("config.cluster.k: expected int, got 'many'") for p in e.value.problems), e.value.problems

def test_fine_tuning_images():
    "[eval] finetune keeps its 10 images a class when its data is partly set, and reads the evaluation's images unless told otherwise"
    c = load_config('demo', dict(eval=dict(finetune=dict(data=dict(n_valid=500)))))
    assert (c.eval.finetune.data.per_class, c.eval.finetune.data.n_valid) == (10, 500)
    c = load_config('demo', dict(eval=dict(data=dict(source='/some/images'))))
    assert c.eval.finetune.data.source == '/some/images'

def test_per_class_only_in_the_evaluation():
    with pytest.raises(ConfigError) as e: check_config(load_config('smoke', dict(pretext=dict(data=dict(per_class=5)))))
    assert any(p.startswith('pretext.data.per_class: only the evaluation') for p in e.value.problems), e.value.problems
