"README.md and nbs/index.ipynb (the docs home page) give the same two commands and list every notebook and tutorial"
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
    assert len(cmds) == 2, cmds                       # .ci/run runs exactly these two
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
