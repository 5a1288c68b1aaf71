"README.md and nbs/index.ipynb (the docs home page) give the same commands and list every notebook and tutorial; long notebook cells are where the second tier runs them"
import json, re
from pathlib import Path

root = Path(__file__).resolve().parents[1]

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

def test_every_notebook_listed_and_linked():
    readme, index = (root/'README.md').read_text(), index_text()
    for nb in sorted((root/'nbs').glob('[0-9]*.ipynb')):
        assert f'| [`{nb.stem}`](nbs/{nb.name}) |' in readme, nb.name
        assert re.search(rf'^\| \[[^\]]+\]\({re.escape(nb.name)}\) \|', index, re.M), nb.name   # the page's title, as in the sidebar

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
