"README.md and nbs/index.ipynb (the docs home page) say the same things; every notebook is listed"
import json, re
from pathlib import Path

root = Path(__file__).resolve().parents[1]

def index_text():
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    return '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')

def sh_blocks(text):
    return re.findall(r'```sh\n(.*?)\n```', text, re.S)

def test_quick_start_commands_match():
    readme = (root/'README.md').read_text()
    cmds = sh_blocks(readme)
    assert len(cmds) == 2, cmds                       # .ci/run runs exactly these two
    assert sh_blocks(index_text()) == cmds

def test_every_notebook_listed():
    readme, index = (root/'README.md').read_text(), index_text()
    for nb in sorted((root/'nbs').glob('[0-9]*.ipynb')):
        row = f'| `{nb.stem}` |'
        assert row in readme and row in index, nb.name

def test_same_sections():
    heads = lambda t: [l for l in t.splitlines() if l.startswith('## ')]
    assert heads((root/'README.md').read_text()) == heads(index_text())
