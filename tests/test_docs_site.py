"""The docs site, built from the notebooks (tools/build_site.py) and checked page by page in headless Chromium.

Fails on a page that doesn't load, a broken internal link (page or anchor), an image that doesn't decode
(`naturalWidth` 0), a Python traceback on a page, or a module page without the API docs of its exported names.
Saves screenshots of the home page and of a module page under `_screenshots/`. Needs Debian's `chromium` (CI installs
it) and the `playwright` package (a dev requirement); skips, saying which is missing, only where they are absent.
"""
import functools, http.server, importlib, os, re, shutil, sys, threading, time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'tools'))
import build_site

CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

def chromium():
    exe = os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser')
    if not exe: pytest.skip('no Chromium: install Debian\'s package (apt-get install chromium) or set CHROMIUM=/path/to/it')
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.skip('the playwright package is missing: pip install -e ".[dev]"')
    return exe, sync_playwright

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    t0 = time.time()
    out, pages = build_site.build(tmp_path_factory.mktemp('docs')/'_site', quiet=True)
    build_s = time.time() - t0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f'\nsite built in {build_s:.1f} s: {len(pages)} pages')
    yield out, pages, f'http://127.0.0.1:{srv.server_address[1]}/'
    srv.shutdown()

def test_every_notebook_must_be_in_the_sidebar():
    cfg = build_site.quarto_config()
    pages = ['index.ipynb', '00_data.ipynb', 'tutorials/new.ipynb']
    cfg['website']['sidebar']['contents'] = ['index.ipynb', {'section': 'Data', 'contents': ['00_data.ipynb']}]
    with pytest.raises(ValueError, match=r"in no sidebar section: \['tutorials/new.ipynb'\]"): build_site.sidebar(cfg, pages)
    cfg['website']['sidebar']['contents'].append({'section': 'Tutorials', 'contents': 'tutorials/*.ipynb'})
    assert build_site.sidebar(cfg, pages)[-1] == ('Tutorials', ['tutorials/new.ipynb'])
    with pytest.raises(ValueError, match='names no notebook'):
        build_site.sidebar({'website': {'sidebar': {'contents': ['nope.ipynb']}}}, [])

def test_pandoc_ids():
    assert build_site.pandoc_id('ImageSet.fit') == 'imageset.fit'
    assert build_site.pandoc_id('scan_images') == 'scan_images'
    assert build_site.pandoc_id('2. A table of items!') == 'a-table-of-items'

def module_names():
    "{page: [exported functions and classes]} from nbdev's index of the library (nbdev documents these)"
    from sslkt._modidx import d
    out = {}
    for mod, syms in d['syms'].items():
        names = importlib.import_module(mod).__all__
        pages = {v[0].split('#')[0] for v in syms.values()}
        assert len(pages) == 1, (mod, pages)
        m = importlib.import_module(mod)
        out[pages.pop()] = [n for n in names if callable(getattr(m, n))]
    return out

MACHINE_PATHS = re.compile('|'.join(re.escape(p) + r'[^\s\'"]*' for p in
                            {str(root), str(Path.home()) + '/', '/tmp/', str(Path(os.environ.get('TMPDIR', '/tmp')).resolve()) + '/'}))

def test_every_page_in_chromium(site):
    out, pages, base = site
    exe, sync_playwright = chromium()
    shots = root/'_screenshots'; shots.mkdir(exist_ok=True)
    modules, problems, ids, t0 = module_names(), [], {}, time.time()
    assert set(modules) <= set(pages), f'module pages missing from the site: {set(modules) - set(pages)}'
    links = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={'width': 1400, 'height': 1000})
        errors = []
        page.on('pageerror', lambda e: errors.append(str(e)))
        for name in pages:
            errors.clear()
            r = page.goto(base + name, wait_until='load')
            if r is None or r.status != 200:
                problems.append(f'{name}: HTTP {r and r.status}'); continue
            page.evaluate('Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })))')
            bad = page.evaluate('[...document.images].filter(i => i.naturalWidth === 0).map(i => i.getAttribute("src"))')
            problems += [f'{name}: image does not load: {b}' for b in bad]
            text = page.inner_text('main')
            if 'Traceback (most recent call last)' in text or page.query_selector('.output_error'):
                problems.append(f'{name}: a Python traceback is on the page')
            if re.search(r'^\s*#\|', text, re.M) or 'show_doc(' in text:
                problems.append(f'{name}: a cell directive or a show_doc call is shown (a directive was not honoured)')
            outputs = page.evaluate('[...document.querySelectorAll(".jp-OutputArea-output, .output_area")]'
                                    '.filter(e => !e.closest(".warning-intended") && !e.querySelector(".warning-intended")).map(e => e.innerText)')
            problems += [f'{name}: a warning in an output: {o.strip()[:120]!r}' for o in outputs if re.search(r'Warning\b', o)]
            problems += [f'{name}: a path of the building machine: {m[0]!r}' for m in MACHINE_PATHS.finditer(text)]
            wide = page.evaluate('[...document.querySelectorAll("main h3 ~ div.highlight pre")].filter(e => e.scrollWidth > e.clientWidth + 1)'
                                 '.map(e => e.innerText.slice(0, 60))')
            problems += [f'{name}: a signature overflows its column: {w!r}' for w in wide]
            raw_link = re.search(r'.{0,30}\]\([^)\s]+\)', text)
            if raw_link: problems.append(f'{name}: markdown link syntax shown as text: {raw_link[0]!r}')
            problems += [f'{name}: JavaScript error {e}' for e in errors]
            ids[name] = set(page.evaluate('[...document.querySelectorAll("[id]")].map(e => e.id)'))
            links += [(name, h) for h in page.evaluate('[...document.querySelectorAll("a[href]")].map(a => a.href)')]
            if name in modules:
                docs = ids[name]
                problems += [f'{name}: no API docs for {n}' for n in modules[name] if n.lower() not in docs]
                if not page.query_selector('main h3 + div.highlight, main h3 ~ div.highlight'):
                    problems.append(f'{name}: no signature block')
        n_internal = 0
        for src, href in links:
            if not href.startswith(base): continue
            n_internal += 1
            url, frag = urldefrag(href)
            target = urlparse(url).path.lstrip('/') or 'index.html'
            if target not in ids:
                if not (out/target).is_file(): problems.append(f'{src}: broken link {href}')
                continue
            if frag and frag not in ids[target]: problems.append(f'{src}: broken anchor {href}')
        page.goto(base + 'index.html'); page.screenshot(path=str(shots/'home.png'), full_page=True)
        page.goto(base + 'data.html'); page.screenshot(path=str(shots/'module.png'))
        browser.close()
    print(f'checked {len(pages)} pages, {n_internal} internal links in {time.time() - t0:.1f} s; screenshots in {shots}')
    assert not problems, '\n'.join(problems[:50])
    assert n_internal > len(pages) * 10            # the sidebar alone links every page from every page

def test_search_finds_the_cluster_page(site):
    "Pagefind's index is in the offline build: typing k-means lists the clustering page (at 1280 and 800 px)"
    out, pages, base = site
    assert (out/'pagefind'/'pagefind-ui.js').exists() and list((out/'pagefind').glob('pagefind.*.pf_meta'))
    cluster = next(p for p in pages if 'cluster' in p)
    exe, sync_playwright = chromium()
    shots = root/'_screenshots'; shots.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for width in (1280, 800):
            page = browser.new_page(viewport={'width': width, 'height': 900})
            page.goto(base + 'index.html', wait_until='load')
            page.fill('.pagefind-ui__search-input', 'k-means')
            page.wait_for_selector('.pagefind-ui__result-link', timeout=15000)
            hrefs = page.evaluate('[...document.querySelectorAll(".pagefind-ui__result-link")].map(a => a.href)')
            assert any(urlparse(h).path.lstrip('/') == cluster for h in hrefs), (cluster, hrefs)
            page.screenshot(path=str(shots/f'search_{width}.png'))
            page.goto(base + 'index.html'); page.screenshot(path=str(shots/f'home_{width}.png'))
            page.goto(base + 'data.html'); page.screenshot(path=str(shots/f'module_{width}.png'))
            sidebar = page.evaluate('getComputedStyle(document.querySelector(".sidebar")).display')
            assert (sidebar == 'none') == (width < 1000), (width, sidebar)      # narrow: the sidebar folds behind its button
            page.close()
        browser.close()

@pytest.mark.long
def test_same_site_from_any_folder(site, tmp_path):
    "A second build in another folder gives the same pages, byte for byte (no build path, no cell ids, no clock in them)"
    out, pages, _ = site
    other, _ = build_site.build(tmp_path/'elsewhere'/'_site', quiet=True)
    differ = [p for p in pages if (out/p).read_bytes() != (other/p).read_bytes()]
    assert not differ, differ

def test_signature_fix():
    assert build_site.signature_fix('f(a:int=1, norm:NoneType=None, split_batches:bool=<object object at 0x7f12ab>)') == \
        'f(a:int=1, norm=None, split_batches:bool=…)'

def test_subtitles_render_code():
    assert build_site.inline_code('the `sslkt_run` job <fast>') == 'the <code>sslkt_run</code> job &lt;fast&gt;'
