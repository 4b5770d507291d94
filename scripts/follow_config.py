"""Follow `cfg` from rdfer.train.train through the source, as a reader would: every call whose arguments carry the
configuration (cfg, a section of it, or a value read from it) leads into the called function with the parameter
that receives it, depth first, in source order. Prints the stops (functions reached), their modules, the climbs
back (a step to a module of an earlier chapter than the one just read) and the returns (a step into a module
already left). Usage: python follow.py REPO"""
import ast, json, sys
from pathlib import Path
repo = Path(sys.argv[1]).resolve()
chap = {}
for nb in sorted((repo / 'nbs').glob('[0-9]*.ipynb')):
    for c in json.loads(nb.read_text())['cells']:
        s = ''.join(c['source'])
        if c['cell_type'] == 'code' and s.startswith('#| default_exp'): chap[s.split()[2]] = nb.stem
defs, imports = {}, {}          # (module, qualname) -> FunctionDef; module -> {local name: (module, name)}
for mod in chap:
    tree = ast.parse((repo / 'rdfer' / f'{mod}.py').read_text())
    imp = imports.setdefault(mod, {})
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            src = node.module.split('.')[-1] if (node.level or node.module.startswith('rdfer')) else None
            if src in chap:
                for a in node.names: imp[a.asname or a.name] = (src, a.name)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): defs[(mod, node.name)] = node
        if isinstance(node, ast.ClassDef):
            defs[(mod, node.name)] = node
            for m in node.body:
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)): defs[(mod, f'{node.name}.{m.name}')] = m
def resolve(mod, func):
    "The (module, qualname) a call's function names, where it is a function or class of the package."
    if isinstance(func, ast.Name):
        n = func.id
        if (mod, n) in defs: key = (mod, n)
        elif n in imports[mod]: key = imports[mod][n]
        else: return None
        node = defs.get(key)
        if isinstance(node, ast.ClassDef): key = (key[0], f'{key[1]}.__init__') if (key[0], f'{key[1]}.__init__') in defs else None
        return key if key in defs else None
    return None
def carries(expr, names):
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))
def params(fn):
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args], [p.arg for p in a.kwonlyargs]
stops, seen = [], set()
def follow(key, tracked):
    if key in seen: return
    seen.add(key); stops.append(key)
    mod, fn = key[0], defs[key]
    names = set(tracked)
    for node in ast.walk(fn):       # values read from the config carry it too: x = cfg.data
        if isinstance(node, ast.Assign) and carries(node.value, names):
            for t in node.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name): names.add(n.id)
    calls = sorted((n for n in ast.walk(fn) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for call in calls:
        target = resolve(mod, call.func)
        if not target or not isinstance(defs[target], (ast.FunctionDef, ast.AsyncFunctionDef)): continue
        pos, kw = params(defs[target])
        if pos and pos[0] == 'self': pos = pos[1:]
        got = {pos[i] for i, a in enumerate(call.args) if i < len(pos) and carries(a, names)}
        got |= {k.arg for k in call.keywords if k.arg and carries(k.value, names)}
        if got: follow(target, got)
follow(('train', 'train'), {'cfg'})
mods = [m for m, _ in stops]
steps = [(a, b) for a, b in zip(mods, mods[1:]) if a != b]
climbs = sum(chap[b] < chap[a] for a, b in steps)
left, returns, prev = set(), 0, None
for m in mods:
    if m != prev:
        if m in left: returns += 1
        if prev: left.add(prev)
    prev = m
print(f'{len(stops)} stops in {len(set(mods))} modules; {climbs} climbs back to an earlier chapter; {returns} returns to a module already left')
if '-v' in sys.argv:
    for m, f in stops: print(f'  {chap[m]:16s} {m}.{f}')
