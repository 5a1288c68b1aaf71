"""Build sslkt's docs site offline, from the notebooks, without Quarto.

nbdev processes the notebooks exactly as `nbdev_docs` does before it calls Quarto (`nbdev.serve.proc_nbs`: a
`show_doc` for every exported name, directives honoured, hidden cells dropped, outputs kept); nbconvert renders each
processed notebook; a small page shell adds the navigation that the top-level `_quarto.yml` describes (navbar,
sidebar in its order, table of contents, previous/next). Links into the published site (`doc_host` + `doc_baseurl`
from settings.ini) become relative links, so the local site is complete and its links can be checked.

    .venv/bin/python tools/build_site.py            # writes _site/ (replaced atomically), prints one summary line

`tests/test_docs_site.py` builds it and checks every page in headless Chromium.
"""
import fnmatch, html, posixpath, re, shutil, sys, tempfile, time
from pathlib import Path

import nbformat, yaml
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExtractOutputPreprocessor, Preprocessor
from pygments.formatters import HtmlFormatter

root = Path(__file__).resolve().parents[1]

def quarto_config(path=None):
    "The site's Quarto configuration: the top-level `_quarto.yml` (nbs/_quarto.yml is a link to it)"
    return yaml.safe_load(Path(path or root/'_quarto.yml').read_text())

def sidebar(cfg, pages):
    "[(section title or None, [page, ...])] from `website.sidebar.contents`, globs expanded; every page must be listed"
    def expand(item):
        if isinstance(item, dict) and 'href' in item: item = item['href']
        if not isinstance(item, str): raise ValueError(f'_quarto.yml: sidebar entry {item!r} is not a page, glob or section')
        hits = sorted(p for p in pages if fnmatch.fnmatch(p, item))
        if not hits: raise ValueError(f'_quarto.yml: sidebar entry {item!r} names no notebook in nbs/')
        return hits
    out = []
    for item in cfg['website']['sidebar']['contents']:
        if isinstance(item, dict) and 'section' in item:
            cs = item.get('contents', [])
            out.append((item['section'], [p for c in ([cs] if isinstance(cs, str) else cs) for p in expand(c)]))
        else: out.append((None, expand(item)))
    missing = sorted(set(pages) - {p for _, ps in out for p in ps})
    if missing: raise ValueError(f'_quarto.yml: these notebooks are in no sidebar section: {missing}')
    return out

def pandoc_id(text):
    "The identifier pandoc (so Quarto) gives a heading, which nbdev's doc links point at"
    s = re.sub(r'[^\w\s.\-]', '', text.strip().lower())
    s = re.sub(r'\s+', '-', s)
    return re.sub(r'^[^a-z]+', '', s) or 'section'

_attr_link = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)\{([^}]*)\}')
_fence = re.compile(r'^```.*?^```', re.S | re.M)
_code_link = re.compile(r'\[(`[^`\]]+`)\]\([^)\s]+\)')
def md_fix(md):
    "Pandoc link attributes (`[source](url){target=...}`, written by `show_doc`) as HTML, which CommonMark lacks; no links in code"
    md = _fence.sub(lambda m: _code_link.sub(r'\1', m[0]), md)   # nbdev links names in signatures' comments too
    return _attr_link.sub(lambda m: f'<a href="{m[2]}" {m[3]}>{m[1]}</a>', md)

def directives(src):
    "Quarto cell options (`#| key: value` lines at the top of a cell) and the source without them"
    lines, opts = src.splitlines(), {}
    while lines and lines[0].startswith('#|'):
        k, _, v = lines.pop(0)[2:].partition(':')
        opts[k.strip()] = v.strip().lower()
    return opts, '\n'.join(lines)

def console_text(text):
    "A stream as a terminal would leave it: carriage returns overwrite (fastprogress's console bars end as their table)"
    out = []
    for line in text.split('\n'):
        buf = ''
        for seg in line.split('\r'): buf = seg + buf[len(seg):]
        if buf.strip('█ ') or not buf: out.append(buf.rstrip())
    return '\n'.join(out)

def intended(o):
    "A stream output of a cell marked `#| warning: true` (a warning that is the lesson) as HTML the page checks can tell apart"
    if o.get('output_type') != 'stream': return o
    return nbformat.from_dict(dict(output_type='display_data', metadata={},
                                   data={'text/html': f'<div class="warning-intended"><pre>{html.escape(o["text"])}</pre></div>'}))

class QuartoOptions(Preprocessor):
    "Honour `include`, `echo` and `output` as Quarto would; drop the directive lines from what is shown"
    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if cell.cell_type == 'markdown': cell.source = md_fix(cell.source)
            if cell.cell_type == 'code':
                opts, cell.source = directives(cell.source)
                if opts.get('include') == 'false': continue
                if opts.get('echo') == 'false': cell.metadata.setdefault('transient', {})['remove_source'] = True
                if opts.get('output') == 'false': cell.outputs = []
                for o in cell.get('outputs', []):
                    if o.get('output_type') == 'stream' and '\r' in o.get('text', ''): o['text'] = console_text(o['text'])
                    md = o.get('data', {}).get('text/markdown')
                    if md is not None: o['data']['text/markdown'] = md_fix(md if isinstance(md, str) else ''.join(md))
                if opts.get('warning') == 'true': cell.outputs = [intended(o) for o in cell.get('outputs', [])]
            cells.append(cell)
        nb.cells = cells
        return nb, resources

def frontmatter(nb):
    "The YAML front matter nbdev puts in the first raw cell (title, description, output-file), and the notebook without it"
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'):
            fm = yaml.safe_load(c.source.strip().strip('-')) or {}
            del nb.cells[i]
            return fm
    return {}

_cell_keys = {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}

def exporter():
    ex = HTMLExporter(template_name='basic', exclude_input_prompt=True, exclude_output_prompt=True)
    ex.register_preprocessor(QuartoOptions, enabled=True)
    ex.register_preprocessor(ExtractOutputPreprocessor, enabled=True)
    ex.log.setLevel('ERROR')                            # not one warning per figure without alt text
    return ex

def _uniq(ids, base):
    i, s = 0, base
    while s in ids: i += 1; s = f'{base}-{i}'
    ids.add(s); return s

def fix_body(body, page, out_of, doc_url):
    "Pandoc heading ids, relative internal links; returns (html, [(level, id, text)] for the table of contents)"
    soup, ids, toc = BeautifulSoup(body, 'html.parser'), set(), []
    for a in soup.select('a.anchor-link'): a.decompose()
    for h in soup.find_all(re.compile('^h[1-6]$')):
        text = ' '.join(h.get_text().split())       # the words as written (code inside keeps its spacing)
        h['id'] = _uniq(ids, pandoc_id(text))
        a = soup.new_tag('a', href='#' + h['id']); a['class'] = 'anchor'; a.string = '#'; h.append(a)
        if h.name in ('h2', 'h3'): toc.append((int(h.name[1]), h['id'], text))
    here = posixpath.dirname(page)
    for a in soup.find_all('a', href=True):
        href = a['href']
        if href.startswith(doc_url):                    # a link into the published site: relative to this page
            path, _, frag = href[len(doc_url):].partition('#')
            path = posixpath.relpath(path or 'index.html', here or '.')
        elif re.match(r'^[a-z][a-z0-9+.-]*:|^#|^/', href): continue
        else:
            path, _, frag = href.partition('#')
            key = posixpath.normpath(posixpath.join(here, path))
            if path.endswith('.ipynb') and key in out_of:   # a link to a notebook: its page
                path = posixpath.relpath(out_of[key], here or '.')
        a['href'] = path + ('#' + frag if frag else '')
    return str(soup), toc

CSS = """
:root { --side: 17rem; --toc: 14rem; --accent: #2c6fbb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; }
.navbar { position: sticky; top: 0; z-index: 2; display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem;
  background: var(--accent); color: #fff; }
.navbar a { color: #fff; text-decoration: none; } .navbar .site { font-weight: 600; font-size: 1.15rem; }
.navbar .repo { margin-left: auto; }
.layout { display: grid; grid-template-columns: var(--side) minmax(0, 1fr) var(--toc); gap: 2rem; max-width: 1500px; margin: 0 auto; }
.sidebar, .toc { position: sticky; top: 3.2rem; align-self: start; max-height: calc(100vh - 3.2rem); overflow: auto;
  padding: 1.2rem .6rem; font-size: .9rem; }
.sidebar ul, .toc ul { list-style: none; padding-left: .6rem; margin: .2rem 0 .8rem; }
.sidebar .section { font-weight: 600; margin-top: .6rem; }
.sidebar a, .toc a { color: #495057; text-decoration: none; } .sidebar a.active { color: var(--accent); font-weight: 600; }
.toc .l3 { padding-left: .8rem; }
main { padding: 1rem 0 4rem; min-width: 0; }
main h1.title { margin-bottom: .2rem; } p.subtitle { color: #6c757d; font-size: 1.1rem; margin-top: 0; }
h2, h3 { scroll-margin-top: 3.5rem; } a.anchor { margin-left: .4rem; color: #adb5bd; text-decoration: none; font-size: .8em; }
main pre { overflow-x: auto; background: #f6f8fa; padding: .7rem .9rem; border-radius: 4px; } .output_area pre { background: none; } .input_area pre, .highlight pre { background: #f6f8fa; padding: .7rem .9rem; border-radius: 4px; }
.output_area pre { padding: .3rem .9rem; } .output_area img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; } th, td { border-bottom: 1px solid #dee2e6; padding: .25rem .6rem; }
.jp-RenderedHTMLCommon img, main img { max-width: 100%; }
.pager { display: flex; justify-content: space-between; margin-top: 3rem; border-top: 1px solid #dee2e6; padding-top: 1rem; }
main h3 ~ div.highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }   /* API signatures wrap: no parameter hidden */
#search { flex: 0 1 24rem; margin-left: auto; position: relative; --pagefind-ui-scale: .7; --pagefind-ui-border-width: 1px; }
#search .pagefind-ui__drawer { position: absolute; right: 0; width: min(40rem, 90vw); max-height: 75vh; overflow: auto; background: #fff;
  color: #212529; padding: 0 1rem; box-shadow: 0 6px 24px rgba(0,0,0,.2); border-radius: 4px; }
#search .pagefind-ui__drawer a { color: var(--accent); } .navbar .repo { margin-left: 0; }
.nav-toggle { display: none; cursor: pointer; font-size: 1.3rem; }
@media (max-width: 1000px) { .layout { grid-template-columns: 1fr; padding: 0 1rem; } .toc { display: none; }
  .nav-toggle { display: inline; } .sidebar { display: none; position: static; max-height: none; border-bottom: 1px solid #dee2e6; }
  #nav-toggle:checked + .layout .sidebar { display: block; }
  #search .pagefind-ui__drawer { position: fixed; top: 3.6rem; left: .5rem; right: .5rem; width: auto; } }
"""

def inline_code(text):
    "Escaped text with its `code` spans as <code> (a subtitle is markdown, not HTML)"
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))

def page_html(title, desc, body, toc, nav, page, site_title, repo, prev, nxt):
    up = posixpath.relpath('.', posixpath.dirname(page) or '.')
    rel = lambda p: posixpath.relpath(p, posixpath.dirname(page) or '.')
    side = []
    for sec, items in nav:
        lis = ''.join(f'<li><a href="{rel(o)}"{" class=active" if o == page else ""}>{html.escape(t)}</a></li>'
                      for o, t in items)
        side.append((f'<div class="section">{html.escape(sec)}</div>' if sec else '') + f'<ul>{lis}</ul>')
    tocs = ''.join(f'<li class="l{l}"><a href="#{i}">{html.escape(t)}</a></li>' for l, i, t in toc)
    pager = (f'<a href="{rel(prev[0])}">← {html.escape(prev[1])}</a>' if prev else '<span></span>') + \
            (f'<a href="{rel(nxt[0])}">{html.escape(nxt[1])} →</a>' if nxt else '<span></span>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – {html.escape(site_title)}</title>
<link rel="icon" href="{up}/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{up}/site.css"><link rel="stylesheet" href="{up}/styles.css">
<link rel="stylesheet" href="{up}/pagefind/pagefind-ui.css"><script src="{up}/pagefind/pagefind-ui.js"></script></head>
<body><nav class="navbar"><label for="nav-toggle" class="nav-toggle" title="pages">☰</label><a class="site" href="{up}/index.html">{html.escape(site_title)}</a>
<div id="search"></div><a class="repo" href="{repo}">GitHub repository</a></nav>
<input type="checkbox" id="nav-toggle" hidden><div class="layout"><aside class="sidebar">{''.join(side)}</aside>
<main data-pagefind-body><h1 class="title">{html.escape(title)}</h1>{f'<p class="subtitle">{inline_code(desc)}</p>' if desc else ''}
{body}
<nav class="pager">{pager}</nav></main>
<aside class="toc">{'<div class="section">On this page</div><ul>' + tocs + '</ul>' if tocs else ''}</aside></div>
<script>window.addEventListener('DOMContentLoaded', () => new PagefindUI({{element: '#search', showImages: false, resetStyles: false}}));</script>
</body></html>
"""

FAVICON = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 30 30"><g fill="#2c7be5">
<rect x="1" y="1" width="8" height="8"/><rect x="11" y="1" width="8" height="8" fill="#8fb8f0"/><rect x="21" y="1" width="8" height="8"/>
<rect x="1" y="11" width="8" height="8" fill="#8fb8f0"/><rect x="11" y="11" width="8" height="8"/><rect x="21" y="11" width="8" height="8" fill="#8fb8f0"/>
<rect x="1" y="21" width="8" height="8"/><rect x="11" y="21" width="8" height="8" fill="#8fb8f0"/><rect x="21" y="21" width="8" height="8"/></g></svg>
"""

def search_index(site):
    "Index the built pages with Pagefind (the `pagefind-bin` package's binary) into `site/pagefind`: the search box"
    import subprocess
    r = subprocess.run([sys.executable, '-m', 'pagefind_bin', '--site', str(site), '--quiet'], capture_output=True, text=True)
    if r.returncode or not (Path(site)/'pagefind'/'pagefind-ui.js').exists():
        raise RuntimeError(f'pagefind failed (exit {r.returncode}): {r.stderr.strip() or r.stdout.strip()}')

def signature_fix(md):
    "show_doc's signatures: `x:NoneType=None` (no annotation, default None) as `x=None`; a sentinel default's address as `…`"
    md = re.sub(r'(\w+):NoneType=None', r'\1=None', md)
    return re.sub(r'<object object at 0x[0-9a-f]+>', '…', md)

def build(out=None, force=True, quiet=False):
    "Build the site into `out` (default `_site`); returns (out, pages built)"
    from nbdev.config import get_config
    from nbdev.serve import proc_nbs
    t0 = time.time()
    cfg, q = get_config(), quarto_config()
    out = Path(out or root/'_site')
    doc_url = cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/') + '/'
    proc = Path(proc_nbs(force=force))
    pages = sorted(p.relative_to(proc).as_posix() for p in proc.rglob('*.ipynb'))
    nav_src = sidebar(q, pages)
    listed = [p for _, ps in nav_src for p in ps]
    nbs, out_of = {}, {}
    for p in listed:
        nb = nbformat.read(proc/p, as_version=4)
        for i, c in enumerate(nb.cells):                # nbdev's processing leaves keys nbformat doesn't know
            for k in [k for k in c if k not in _cell_keys]: del c[k]
            c['id'] = f'c{i}'                            # show_doc cells get new random ids each build: the page would differ
            for o in c.get('outputs', []):               # show_doc's signatures, as a reader should see them
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = signature_fix(o['data']['text/markdown'])
        fm = frontmatter(nb)
        name = fm.get('output-file') or Path(p).with_suffix('.html').name
        out_of[p] = posixpath.join(posixpath.dirname(p), name)
        nbs[p] = nb, fm
    nav = [(sec, [(out_of[p], nbs[p][1].get('title', Path(p).stem)) for p in ps]) for sec, ps in nav_src]
    order = [(out_of[p], nbs[p][1].get('title', Path(p).stem)) for p in listed]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix='.site-', dir=out.parent))
    try:
        ex = exporter()
        for f in proc.rglob('*'):                       # pictures and other files the notebooks point at
            if f.is_file() and f.suffix not in ('.ipynb', '.yml', '.yaml') and not f.name.startswith('.'):
                d = tmp/f.relative_to(proc); d.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, d)
        (tmp/'site.css').write_text(CSS + HtmlFormatter(style='default').get_style_defs('.highlight'))
        if not (tmp/'styles.css').exists(): (tmp/'styles.css').write_text('')
        for i, p in enumerate(listed):
            nb, fm = nbs[p]; page = out_of[p]
            stem = Path(page).stem
            body, res = ex.from_notebook_node(nb, resources={'output_files_dir': f'figures/{stem}', 'unique_key': stem})
            for fn, data in res.get('outputs', {}).items():
                d = tmp/posixpath.dirname(page)/fn; d.parent.mkdir(parents=True, exist_ok=True); d.write_bytes(data)
            body, toc = fix_body(body, page, out_of, doc_url)
            prev, nxt = (order[i-1] if i else None), (order[i+1] if i + 1 < len(order) else None)
            doc = page_html(fm.get('title', stem), fm.get('description', ''), body, toc, nav, page,
                            q['website'].get('title', cfg.title), q['website'].get('repo-url', cfg.git_url), prev, nxt)
            (tmp/page).parent.mkdir(parents=True, exist_ok=True); (tmp/page).write_text(doc)
        (tmp/'favicon.svg').write_text(FAVICON)
        search_index(tmp)
        old = out.with_name(out.name + '.old')
        if out.exists(): out.rename(old)
        tmp.rename(out)
        if old.exists(): shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True); raise
    if not quiet: print(f'site: {len(listed)} pages in {out} ({time.time() - t0:.1f} s)')
    return out, [out_of[p] for p in listed]

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=None, help='folder to write (default: _site at the top of the repository)')
    build(ap.parse_args().out)
