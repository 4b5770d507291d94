"The chapters depend in one direction: no module of the package imports a module of a later chapter, at its top or inside a function; and a module's header lists every module of the package it uses."
import ast, json, re
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


def test_every_package_import_is_in_the_module_header():
    "A reader sees what a module depends on in its first lines: no import of a package module sits inside a function or class."
    ch = chapters()
    hidden = []
    for mod in ch:
        tree = ast.parse((ROOT / 'rdfer' / f'{mod}.py').read_text())
        for top in tree.body:
            if isinstance(top, (ast.Import, ast.ImportFrom)): continue
            for n in ast.walk(top):
                names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ''] if isinstance(n, ast.ImportFrom) else []
                if any(x == 'rdfer' or x.startswith('rdfer.') for x in names) or (isinstance(n, ast.ImportFrom) and n.level):
                    hidden.append(f'rdfer/{mod}.py:{n.lineno}: {ast.unparse(n)}')
    assert not hidden, '\n'.join(hidden)


def test_following_the_config_from_train_reaches_run_identity_in_runs():
    "scripts/follow_config.py reads the source as a reader follows `cfg` from train(); resume and identity are rdfer.runs's"
    import subprocess, sys
    out = subprocess.run([sys.executable, str(ROOT / 'scripts/follow_config.py'), str(ROOT), '-v'], capture_output=True, text=True, check=True).stdout
    head, *stops = out.splitlines()
    n, mods, climbs, returns = map(int, re.match(r'(\d+) stops in (\d+) modules; (\d+) climbs back .*; (\d+) returns', head).groups())
    assert stops[0].split()[1] == 'train.train' and n == len(stops) and mods >= 2
    where = {s.split()[1].split('.', 1)[1]: s.split()[1].split('.')[0] for s in stops}
    for f in ('check_run_dir', 'default_run_dir', 'run_record', 'data_fingerprint'): assert where[f] == 'runs', (f, where.get(f))
    assert where['synth_root'] == 'synth' and where['check_config'] == 'config'
