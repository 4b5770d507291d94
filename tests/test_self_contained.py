"The package, its notebooks, figures, scripts and README point only at files of the project: the design notes that preceded it live in nbs/paper.ipynb."
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = ['shared/' + 'design.md', 'shared/' + 'datasets.md']   # spelt in two parts so that this file does not match itself


def files():
    for d in ('nbs', 'rdfer', 'figures', 'scripts'):
        yield from (p for p in (ROOT / d).rglob('*') if p.is_file() and '.ipynb_checkpoints' not in p.parts and '__pycache__' not in p.parts)
    yield ROOT / 'README.md'


def test_no_reference_to_files_outside_the_project():
    hits = [f'{p.relative_to(ROOT)}: {o}' for p in files() for o in OUTSIDE if o in p.read_bytes().decode('utf-8', 'replace')]
    assert not hits, 'point at nbs/paper.ipynb instead:\n' + '\n'.join(hits)


def test_the_paper_chapter_exists():
    text = (ROOT / 'nbs' / 'paper.ipynb').read_text()
    assert '56.93 / 69.73' in text and 'as quoted by a later paper' in text and 'RDFER_DATA' in text
