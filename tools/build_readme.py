"""Write README.md from nbs/index.ipynb, the docs home page: the one source of both.

README.md is the notebook's markdown cells, in order, with links made relative to the repository root (`00_data.ipynb`
→ `nbs/00_data.ipynb`, `images/…` → `nbs/images/…`, `tutorials/…` → `nbs/tutorials/…`); links to the docs site and
other absolute links stay as they are. A markdown cell whose first line is `<!-- docs only` stays on the docs site
only (the full list of notebooks, for one). Code cells are left out. `nbdev_readme` would do the same through Quarto;
this script needs nothing but the standard library.

    .venv/bin/python tools/build_readme.py           # writes README.md
    .venv/bin/python tools/build_readme.py --check   # exit 1 when README.md differs from what it would write

`tests/test_readme.py` checks that README.md equals what this script writes.
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
HEADER = '<!-- Written by tools/build_readme.py from nbs/index.ipynb: edit the notebook, then run the script. -->'
DOCS_ONLY = '<!-- docs only'
_link = re.compile(r'(\]\()([^)\s]+)(\))')             # [text](target): markdown links and images
_fence = re.compile(r'^```.*?^```', re.S | re.M)

def repo_link(target:str)->str:
    "A link of a page in nbs/, as seen from the repository root"
    if re.match(r'^[a-z][a-z0-9+.-]*:|^#|^/', target): return target   # absolute, an anchor, or the site root
    return 'nbs/' + target

def fix_links(md:str)->str:
    "Repo-relative links in `md`, leaving code blocks alone"
    parts, last = [], 0
    for m in _fence.finditer(md):
        parts += [_link.sub(lambda l: l[1] + repo_link(l[2]) + l[3], md[last:m.start()]), m[0]]
        last = m.end()
    parts.append(_link.sub(lambda l: l[1] + repo_link(l[2]) + l[3], md[last:]))
    return ''.join(parts)

def readme(nb_path=None)->str:
    "The text of README.md, from the markdown cells of nbs/index.ipynb"
    cells = json.loads(Path(nb_path or root/'nbs'/'index.ipynb').read_text())['cells']
    mds = [''.join(c['source']).strip() for c in cells if c['cell_type'] == 'markdown']
    mds = [m for m in mds if not m.startswith(DOCS_ONLY)]
    return HEADER + '\n\n' + '\n\n'.join(fix_links(m) for m in mds) + '\n'

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    text, path = readme(), root/'README.md'
    if '--check' in argv:
        ok = path.exists() and path.read_text() == text
        print('README.md is up to date' if ok else 'README.md differs from nbs/index.ipynb: run tools/build_readme.py')
        return 0 if ok else 1
    path.write_text(text)
    print(f'README.md: {len(text.split())} words, from nbs/index.ipynb')
    return 0

if __name__ == '__main__': sys.exit(main())
