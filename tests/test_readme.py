"README.md is written from nbs/index.ipynb (the docs home page) by tools/build_readme.py: the same commands, every tutorial and the Benchmarks page linked, every notebook listed on the home page; long notebook cells are where the second tier runs them"
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'tools'))
import build_readme

def index_text():
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    return '\n\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')

def sh_blocks(text):
    return re.findall(r'```sh\n(.*?)\n```', text, re.S)

def test_quick_start_commands_match():
    readme = (root/'README.md').read_text()
    cmds = sh_blocks(readme)
    assert len(cmds) == 3, cmds                       # .ci/run runs exactly these: set-up and main job, tests, second tier
    assert sh_blocks(index_text()) == cmds

def test_readme_is_written_from_the_home_page():
    "README.md is what tools/build_readme.py writes from nbs/index.ipynb: edit the notebook, then run the script"
    assert (root/'README.md').read_text() == build_readme.readme(), 'README.md differs from nbs/index.ipynb: run tools/build_readme.py'

def test_readme_links():
    "Links made from the repository root: to notebooks and pictures in nbs/, to the docs site as they are"
    md = '[a](00_data.ipynb) [b](images/x.svg) [c](tutorials/t.ipynb) [d](https://sslkt.github.io/sslkt/#x) [e](#here)\n```\n[f](g.ipynb)\n```\n'
    assert build_readme.fix_links(md) == ('[a](nbs/00_data.ipynb) [b](nbs/images/x.svg) [c](nbs/tutorials/t.ipynb) '
                                          '[d](https://sslkt.github.io/sslkt/#x) [e](#here)\n```\n[f](g.ipynb)\n```\n')
    for target in re.findall(r'\]\((nbs/[^)#]+)', (root/'README.md').read_text()):
        assert (root/target).exists(), target

def test_every_notebook_listed_and_linked():
    "The home page lists every notebook under its title (as the sidebar does); the README links to that list on the site"
    readme, index = (root/'README.md').read_text(), index_text()
    for nb in sorted((root/'nbs').glob('[0-9]*.ipynb')):
        assert re.search(rf'^\| \[[^\]]+\]\({re.escape(nb.name)}\) \|', index, re.M), nb.name   # the page's title, as in the sidebar
    assert '## The notebooks' in index and '](https://sslkt.github.io/sslkt/#the-notebooks)' in readme

def test_benchmarks_page():
    "The Benchmarks page is linked from both, and is markdown only (no code runs to build it)"
    cells = json.loads((root/'nbs'/'benchmarks.ipynb').read_text())['cells']
    assert cells and all(c['cell_type'] == 'markdown' for c in cells)
    assert '](nbs/benchmarks.ipynb)' in (root/'README.md').read_text() and '](benchmarks.ipynb)' in index_text()

def test_tutorials_linked():
    readme, index = (root/'README.md').read_text(), index_text()
    tutorials = sorted((root/'nbs'/'tutorials').glob('*.ipynb'))
    assert tutorials
    for nb in tutorials:
        assert f'](nbs/tutorials/{nb.name})' in readme, nb.name
        assert f'](tutorials/{nb.name})' in index, nb.name

def test_home_page():
    index = index_text()
    intro = next(p for p in re.split(r'\n\s*\n', index) if p.startswith('sslkt implements'))
    assert len(re.findall(r'[.!?](\s|$)', intro)) == 3, intro          # what sslkt is, in three sentences
    pic = re.search(r'!\[[^\]]+\]\((images/[^)]+)\)', index)
    assert pic and (root/'nbs'/pic[1]).is_file()
    assert f'](nbs/{pic[1]})' in (root/'README.md').read_text()

def test_long_cells_are_in_the_tutorials():
    "The second tier runs the notebooks of nbs/tutorials with --flags long: a `#| long` cell elsewhere would never run"
    for nb in sorted((root/'nbs').rglob('*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        flagged = [c for c in cells if c['cell_type'] == 'code' and any(re.match(r'\s*#\s*\|\s*long\b', l) for l in c['source'][:3])]
        assert not flagged or nb.parent.name == 'tutorials', f'{nb.relative_to(root)}: a `#| long` cell outside nbs/tutorials'

def test_second_tier_command():
    cmd = sh_blocks((root/'README.md').read_text())[2]
    assert '--flags long' in cmd and '--path nbs/tutorials' in cmd and 'pytest tests -m long' in cmd, cmd
