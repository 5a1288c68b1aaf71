"Bad input and the `sslkt_data` console script (called in this process, as `call` does), on files built in a temp dir"
import io, json, os, shutil, socket, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pytest
from PIL import Image
from sslkt.data import ImageSet, RGBImage, check_images, scan_images
from sslkt.cli import sslkt_data
from conftest import call, launch

@pytest.fixture
def bad_folder(tmp_path, imagenette_items):
    "A train/val folder of real images plus every kind of awkward file"
    src = Path(imagenette_items.path[0])
    t = tmp_path/'train'/'things'; t.mkdir(parents=True); (tmp_path/'val'/'things').mkdir(parents=True)
    for i in range(3): shutil.copy(imagenette_items.path[i], t/f'real{i}.jpg')
    shutil.copy(imagenette_items.path[5], tmp_path/'val'/'things'/'real_val.jpg')
    (t/'truncated.jpg').write_bytes(src.read_bytes()[:len(src.read_bytes())//3])
    (t/'zero.jpg').write_bytes(b'')
    (t/'text.jpg').write_text('this is not a JPEG')
    rgb = Image.open(src).convert('RGB')
    rgba = rgb.convert('RGBA'); rgba.putalpha(128); rgba.save(t/'rgba.png')
    rgb.convert('P').save(t/'palette.png')
    Image.fromarray(np.asarray(rgb.convert('L')).astype(np.uint16) * 257).save(t/'sixteen.png')
    rgb.convert('CMYK').save(t/'cmyk.jpg')
    rgb.resize((8, 8)).save(t/'tiny.png')
    return tmp_path

def test_bad_files_skipped_with_one_warning(bad_folder):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        imgs = ImageSet.from_source(bad_folder, size=32)
    msgs = [str(o.message) for o in w]
    skipped = [m for m in msgs if 'unreadable' in m]
    assert len(skipped) == 1 and '3 files' in skipped[0], msgs
    assert sorted(Path(p).name for p in imgs.skipped.path) == ['text.jpg', 'truncated.jpg', 'zero.jpg']
    small = [m for m in msgs if 'upscaled' in m]
    assert len(small) == 1 and '1 files' in small[0] and 'tiny.png' in small[0], msgs
    assert len(imgs) == 9   # 3 real + val + rgba, palette, 16-bit, cmyk, tiny

@pytest.mark.parametrize('name', ['rgba.png', 'palette.png', 'sixteen.png', 'cmyk.jpg', 'tiny.png', 'real0.jpg'])
def test_odd_modes_become_rgb(bad_folder, name):
    img = RGBImage.create(bad_folder/'train'/'things'/name)
    assert img.mode == 'RGB'
    a = np.asarray(img)
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
    if name == 'sixteen.png':   # scaled from 16 bits, not clipped to white
        v16 = np.asarray(Image.open(bad_folder/'train'/'things'/name)).astype(np.int64)   # the 16-bit values, gray × 257
        assert v16.max() > 255 * 257 // 2                     # (a bright enough image that clipping or a wrong scale would show)
        assert np.abs(a.astype(np.int64) - (v16 // 257)[..., None]).max() <= 1   # each pixel its gray value, in all 3 channels

def test_dataloaders_skip_bad_files(bad_folder):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        imgs = ImageSet.from_source(bad_folder, size=32)
    dls = imgs.dls(size=32, bs=4, num_workers=0, augment=False)
    n = sum(len(b[0]) for b in dls.train)   # drop_last drops a partial batch
    assert n == 8 - (8 % 4)
    xb, = dls.one_batch()
    assert xb.shape == (4, 3, 32, 32)

def test_missing_and_empty_sources(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'): scan_images(tmp_path/'nowhere')
    (tmp_path/'empty').mkdir()
    with pytest.raises(ValueError, match='no image files.*empty'): scan_images(tmp_path/'empty')
    (tmp_path/'empty.csv').write_text('')
    with pytest.raises(ValueError, match='empty CSV'): scan_images(tmp_path/'empty.csv')
    (tmp_path/'header.csv').write_text('path,label\n')
    with pytest.raises(ValueError, match='no rows'): scan_images(tmp_path/'header.csv')
    (tmp_path/'nopath.csv').write_text('file,label\na.jpg,x\n')
    with pytest.raises(ValueError, match="no 'path' column"): scan_images(tmp_path/'nopath.csv')
    with pytest.raises(ValueError, match='no labeled'): ImageSet(scan_images(_flat(tmp_path))).dls(labeled=True)

def _flat(tmp_path):
    d = tmp_path/'flat'; d.mkdir()
    for i in range(4): Image.new('RGB', (40, 40), (i*60, 0, 0)).save(d/f'{i}.png')
    return d

def test_flat_folder_and_csv(tmp_path, imagenette_items):
    items = scan_images(_flat(tmp_path))
    assert len(items) == 4 and items.label.isna().all()
    rows = imagenette_items.sample(20, random_state=0).reset_index(drop=True)
    (tmp_path/'imgs').mkdir()
    rel = [f'imgs/{i}.jpg' for i in range(len(rows))]
    for p, r in zip(rows.path, rel): shutil.copy(p, tmp_path/r)
    rows.assign(path=rel).to_csv(tmp_path/'rel.csv', index=False)   # paths relative to the CSV's folder
    items = scan_images(tmp_path/'rel.csv')
    assert items.path.tolist() == [str(tmp_path/r) for r in rel]
    assert items.is_valid.tolist() == rows.is_valid.tolist() and items.label.tolist() == rows.label.tolist()
    rows[['path']].to_csv(tmp_path/'nolabel.csv', index=False)     # absolute paths, no label, no split
    items = scan_images(tmp_path/'nolabel.csv')
    assert items.label.isna().all() and items.path.tolist() == rows.path.tolist()

def test_all_images_unreadable(tmp_path):
    (tmp_path/'a.jpg').write_bytes(b'')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(ValueError, match='no readable images'): ImageSet.from_source(tmp_path)

def test_cli_json_on_bad_folder(bad_folder):
    r = call(sslkt_data, data=str(bad_folder), json=True, size=32)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s['train'], s['val'], s['skipped']['count']) == (8, 1, 3)
    assert s['classes'] == {'things': {'train': 8, 'val': 1}}
    assert s['sizes']['min_side'] == 8

def test_cli_errors_name_the_path(tmp_path):
    r = call(sslkt_data, data=str(tmp_path/'missing_dir'))
    assert r.returncode == 2 and 'missing_dir' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.startswith('sslkt_data: data source not found:')

def test_no_imagenette_offline_is_one_line(tmp_path):
    "Without Imagenette under FASTAI_HOME and without a network, the default data is one clear line, exit 2"
    try: socket.getaddrinfo('s3.amazonaws.com', 443); pytest.skip('this machine has a network: the test would download Imagenette')
    except OSError: pass
    r = launch([Path(sys.executable).parent/'sslkt_data'], 600, env=dict(os.environ, FASTAI_HOME=str(tmp_path/'empty_home')))
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr[-2000:]
    assert r.stderr.startswith('sslkt_data: Imagenette (') and 'could not be downloaded' in r.stderr and '--data' in r.stderr

@pytest.mark.long
def test_cli_default_data_counts():
    "The done-when of the data stage: Imagenette 160 has 9,469 train / 3,925 val images in 10 classes, none unreadable (every image decoded)"
    r = call(sslkt_data, json=True)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s['train'], s['val'], len(s['classes']), s['skipped']['count']) == (9469, 3925, 10, 0)

def test_one_folder_of_class_folders_is_read_as_classes(tmp_path, imagenette_items):
    "An archive's own layout (one folder holding the class folders, as Caltech-101's 101_ObjectCategories/) keeps its labels"
    import shutil
    from sslkt.data import scan_images, ImageSet
    tr = imagenette_items[~imagenette_items.is_valid]
    for lab in sorted(tr.label.unique())[:3]:
        dst = tmp_path/'caltech'/'101_ObjectCategories'/lab; dst.mkdir(parents=True)
        for p in tr[tr.label == lab].path[:8]: shutil.copy(p, dst)
    df = scan_images(tmp_path/'caltech')
    assert df.label.notna().all() and df.label.nunique() == 3 and len(df) == 24
    assert 'class folders' in df.attrs['layout'] and '101_ObjectCategories' in df.attrs['layout']
    s = ImageSet.from_source(tmp_path/'caltech')
    assert s.labeled and len(s.classes) == 3 and '101_ObjectCategories' in s.layout
    flat = tmp_path/'flat'; flat.mkdir()
    for p in tr.path[:5]: shutil.copy(p, flat)
    assert scan_images(flat).attrs['layout'].startswith('unlabelled images')
    assert 'train/ and val/' in scan_images().attrs['layout']        # Imagenette: ImageNet's layout

def test_sslkt_data_prints_the_layout(tmp_path, imagenette_items):
    import shutil
    tr = imagenette_items[~imagenette_items.is_valid]
    for lab in sorted(tr.label.unique())[:2]:
        dst = tmp_path/'wrap'/'inner'/lab; dst.mkdir(parents=True)
        for p in tr[tr.label == lab].path[:4]: shutil.copy(p, dst)
    r = call(sslkt_data, data=str(tmp_path/'wrap'))
    assert r.returncode == 0, r.stderr
    assert 'layout: class folders' in r.stdout and 'inside inner/' in r.stdout and '2 classes' in r.stdout, r.stdout

def test_workers_start_from_a_forkserver():
    "Outside a notebook every fastai DataLoader's workers start from sslkt's forkserver (never a fork of a process with threads) and give the batches one process gives"
    import torch
    imgs = ImageSet.from_source(n_train=64, n_valid=16, seed=0, progress=False)
    one, two = (imgs.dls(size=64, bs=16, labeled=True, augment=False, shuffle=False, num_workers=n).train for n in (0, 2))
    assert two.fake_l.multiprocessing_context.get_start_method() == 'forkserver'
    pairs = list(zip(one, two))
    assert len(pairs) == 4
    for (x0, y0), (x2, y2) in pairs: assert torch.equal(x0, x2) and torch.equal(y0, y2)
