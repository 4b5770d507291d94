"The chapters depend in one direction: no module of the package imports a module of a later chapter, at its top or inside a function."
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chapters() -> dict:
    "Module name -> the notebook (chapter) it is exported from."
    out = {}
    for nb in sorted((ROOT / 'nbs').glob('[0-9]*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        exp = next((''.join(c['source']) for c in cells if c['cell_type'] == 'code' and ''.join(c['source']).startswith('#| default_exp')), None)
        if exp: out[exp.split()[2]] = nb.stem
    return out


def test_no_module_imports_a_later_chapter():
    ch = chapters()
    assert {'core', 'data', 'cache', 'sampling', 'model', 'train', 'reports', 'pipeline'} <= set(ch), ch
    back = []
    for mod, nb in ch.items():
        for line in (ROOT / 'rdfer' / f'{mod}.py').read_text().splitlines():
            for a, b in re.findall(r'(?:from (?:rdfer)?\.?(\w+) import|import rdfer\.(\w+))', line):
                dep = a or b
                if dep in ch and dep != mod and ch[dep] > nb: back.append(f'{nb} ({mod}) imports {ch[dep]} ({dep}): {line.strip()}')
    assert not back, '\n'.join(back)
