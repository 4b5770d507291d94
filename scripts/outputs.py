"""Run the chapter notebooks and keep their outputs, so that each reads as a document with its figures on a
repository browser: `python scripts/outputs.py [nbs/NN_name.ipynb ...]` (default: every numbered chapter).

Cells run as `nbdev_test --flags slow` runs them (`#| eval: false` cells are skipped and keep no output);
the notebooks are then cleaned by `nbdev_clean` (metadata and execution counts go, outputs stay)."""
import json, os, subprocess, sys
from pathlib import Path

from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor

ROOT = Path(__file__).resolve().parents[1]


def skip(cell) -> bool:
    "True for the cells nbdev_test would not run with --flags slow."
    if cell.cell_type != 'code': return True
    return (getattr(cell, 'directives_', {}) or {}).get('eval:', [''])[0].lower() == 'false'


def shrink(output: dict, limit: int = 100_000) -> dict:
    "A PNG over `limit` bytes (a grid of rendered faces) re-encoded as a JPEG of quality 80, so the notebook stays reviewable."
    png = output.get('data', {}).get('image/png')
    if not png or len(png) * 3 // 4 <= limit: return output
    import base64, io
    from PIL import Image
    buf = io.BytesIO(); Image.open(io.BytesIO(base64.b64decode(png))).convert('RGB').save(buf, 'JPEG', quality=80)
    data = {k: v for k, v in output['data'].items() if k != 'image/png'} | {'image/jpeg': base64.b64encode(buf.getvalue()).decode()}
    return output | {'data': data}


def run(fn: Path) -> None:
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb
    shell = CaptureShell(fn, mpl_format='png')
    shell._run("import matplotlib; matplotlib.rcParams['figure.dpi'] = 64")   # small figures, reviewable diffs
    with working_directory(fn.parent): shell.run_all(nb, exc_stop=True, preproc=skip)
    raw = json.loads(fn.read_text())
    for c in nb.cells:                               # `idx_`: the cell's place in the file (front matter adds a cell here)
        rc = raw['cells'][c.idx_]
        if rc['cell_type'] == 'code': rc['outputs'] = [shrink(o) for o in json.loads(json.dumps(c.get('outputs', [])))] if not skip(c) else []
    fn.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + '\n')
    subprocess.run(['nbdev_clean', '--fname', str(fn)], check=True)


if __name__ == '__main__':
    os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    files = [Path(f).resolve() for f in sys.argv[1:]] or sorted((ROOT / 'nbs').glob('[0-9]*.ipynb'))
    if len(files) == 1: print(f'[outputs] {files[0].name}', flush=True); run(files[0])
    else:                                  # one process per notebook, as nbdev_test: a fork after another chapter's threads can hang
        for f in files: subprocess.run([sys.executable, __file__, str(f)], check=True)
