"A chapter opened in JupyterLab and run top to bottom in a plain kernel (no nbdev_test, no IN_TEST) runs its examples and asserts as nbdev_test does."
import json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_chapter_runs_top_to_bottom_in_a_kernel(tmp_path):
    out = tmp_path / 'core.ipynb'
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}
    r = subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--output', str(out),
                        str(ROOT / 'nbs' / '00_core.ipynb')], cwd=ROOT / 'nbs', env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    cells = [c for c in json.loads(out.read_text())['cells'] if c['cell_type'] == 'code']
    assert all(c.get('execution_count') for c in cells if c['source']), 'a code cell did not run'
    assert not [o for c in cells for o in c.get('outputs', []) if o.get('output_type') == 'error']


def test_readme_shows_no_code():
    "README.md is nbs/index.ipynb's outputs: every code cell of index is tagged remove_input, so no Python block reaches README."
    cells = [c for c in json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())['cells'] if c['cell_type'] == 'code']
    assert cells and all('remove_input' in c.get('metadata', {}).get('tags', []) for c in cells)
    assert '```python' not in (ROOT / 'README.md').read_text()
