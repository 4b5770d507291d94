"settings.ini's `requirements` are what the package imports: every third-party module of rdfer/*.py is required, every requirement is imported or allowed below with its reason."
import ast, configparser, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = {'PIL': 'pillow', 'cv2': 'opencv-python-headless'}   # import name -> distribution name, where they differ (av, torch, ... are the same)
NOT_IMPORTED = {'ipykernel': 'papermill runs the notebooks (rdfer main, nbs/train.ipynb) in the python3 kernel ipykernel provides'}


def settings() -> configparser.SectionProxy:
    cfg = configparser.ConfigParser(); cfg.read(ROOT / 'settings.ini')
    return cfg['DEFAULT']


def names(spec: str) -> set[str]:
    "Distribution names of a whitespace-separated requirement list, lower-case (`torch>=2.4` -> torch)."
    return {re.match(r'[A-Za-z0-9_.\-]+', r).group(0).lower().replace('_', '-') for r in spec.split()}


def third_party_imports() -> dict[str, set[str]]:
    "Top-level third-party module -> the rdfer files importing it (module-level and inside functions)."
    found = {}
    for f in sorted((ROOT / 'rdfer').glob('*.py')):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import): mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module: mods = [node.module]
            else: continue
            for m in mods:
                top = m.split('.')[0]
                if top != 'rdfer' and top not in sys.stdlib_module_names and top != '__future__': found.setdefault(top, set()).add(f.name)
    return found


def test_imports_are_required():
    req = names(settings()['requirements'])
    missing = {m: sorted(fs) for m, fs in third_party_imports().items() if DIST.get(m, m).lower() not in req}
    assert not missing, f'imported by rdfer but not in settings.ini requirements: {missing}'


def test_requirements_are_imported():
    imported = {DIST.get(m, m).lower() for m in third_party_imports()}
    unused = names(settings()['requirements']) - imported - set(NOT_IMPORTED)
    assert not unused, f'in settings.ini requirements but never imported by rdfer/*.py (and not in NOT_IMPORTED): {sorted(unused)}'


def test_notebook_only_tools_are_dev_requirements():
    s = settings()
    assert 'fastcore' not in names(s['requirements']) and 'fastcore>=1.12.3,<1.13' in s['dev_requirements'].split()
    assert 'ipykernel' in names(s['requirements'])   # NOT_IMPORTED is honoured: it stays a runtime requirement
