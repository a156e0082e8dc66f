"""Cut each driven file, and what it imports from its repository, out of the fetched snapshots.

    python benchmarks/realcode/rebuild.py [--mirror DIR] [--only owner/name]

Files land in ``benchmarks/realcode/work/<owner>__<name>/`` (git-ignored) at the pinned
commit.  A missing snapshot, commit or path is an error naming it; the exit code is 1 when
anything was missing.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath

from rc_common import WORK, RepoDriver, git_dir, load_drivers, notebook_py, slug

MAX_FILES = 1000  # torch_geometric needs ~650


def notebook_definitions(raw: bytes) -> str:
    """The definitions of a notebook's code cells, in order: imports, classes, functions and
    constant assignments (no training loops, no module-level runs); magics dropped."""
    import json

    nb = json.loads(raw)
    chunks: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = "".join(cell.get("source", []))
        src = "\n".join(line for line in src.splitlines()
                        if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in tree.body:
            keep = isinstance(node, ast.Import | ast.ImportFrom | ast.ClassDef | ast.FunctionDef)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                keep = True
            if keep:
                seg = ast.get_source_segment(src, node, padded=True)
                if seg:
                    block = isinstance(node, ast.ClassDef | ast.FunctionDef)
                    chunks.append(("\n\n" if block and chunks else "") + seg
                                  + ("\n\n" if block else ""))
    return "\n".join(chunks).strip("\n") + "\n"


def _git(gd: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gd), *args], check=True,
                          capture_output=True).stdout


def _imports(source: bytes, path: str) -> list[tuple[int, str, list[str]]]:
    """(relative level, module, imported names) of every import in the file."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.append((0, a.name, []))
        elif isinstance(node, ast.ImportFrom):
            out.append((node.level, node.module or "", [a.name for a in node.names]))
    return out


def _candidates(level: int, module: str, names: list[str], path: str, root: str) -> list[str]:
    here = PurePosixPath(path).parent
    bases: list[PurePosixPath] = []
    if level:
        base = here
        for _ in range(level - 1):
            base = base.parent
        bases.append(base)
    else:
        bases.append(PurePosixPath(root) if root else PurePosixPath("."))
        bases.append(here)  # scripts import their neighbours
    out = []
    for b in bases:
        mod = b.joinpath(*module.split(".")) if module else b
        for n in [None, *names]:
            target = mod / n if n else mod
            out.append(str(target) + ".py")
            out.append(str(target / "__init__.py"))
    return [str(PurePosixPath(c)).lstrip("./") if c.startswith("./") else c for c in out]


def rebuild_repo(rd: RepoDriver, mirror: Path | None) -> list[str]:
    errors: list[str] = []
    try:
        gd = git_dir(rd.repo, mirror)
    except FileNotFoundError as exc:
        return [str(exc)]
    try:
        _git(gd, "cat-file", "-e", f"{rd.commit}^{{commit}}")
    except subprocess.CalledProcessError:
        return [f"{rd.repo}: commit {rd.commit} is not in the snapshot {gd}"]
    tree = set(_git(gd, "ls-tree", "-r", "--name-only", rd.commit).decode().splitlines())
    dest = WORK / slug(rd.repo)
    wanted = list(dict.fromkeys(rd.files + rd.extra_files))
    for p in wanted:
        if p not in tree:
            errors.append(f"{rd.repo}: {p} is not in the tree at {rd.commit[:12]}")
    todo = [p for p in wanted if p in tree] + _builders(gd, rd, tree)
    done: set[str] = set()
    while todo and len(done) < MAX_FILES:
        p = todo.pop()
        if p in done:
            continue
        done.add(p)
        data = b"" if p in rd.empty_inits else _git(gd, "show", f"{rd.commit}:{p}")
        _write(dest / p, data)
        if p.endswith(".ipynb"):
            _write(dest / notebook_py(p), notebook_definitions(data).encode())
            done.add(notebook_py(p))
        # the packages on the way down, so that dotted imports work
        parent = PurePosixPath(p).parent
        while str(parent) not in ("", "."):
            init = str(parent / "__init__.py")
            if init in tree and init not in done:
                todo.append(init)
            parent = parent.parent
        if not p.endswith(".py"):
            continue
        for level, module, names in _imports(data, p):
            for cand in _candidates(level, module, names, p, rd.root):
                cand = cand.lstrip("/")
                if cand in tree and cand not in done:
                    todo.append(cand)
    (dest / ".commit").write_text(rd.commit + "\n")
    # files of an earlier cut that this one does not hold (written in place, so that a run
    # reading the folder never sees it empty)
    for f in dest.rglob("*"):
        rel = f.relative_to(dest).as_posix()
        if f.is_file() and rel not in done and not rel.startswith(".") \
                and "__pycache__" not in rel:
            f.unlink()
    return errors


def _write(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _builders(gd: Path, rd: RepoDriver, tree: set[str], limit: int = 12) -> list[str]:
    """Scripts beside a driven file or at the top of the repository that build one of its
    classes (``model = Net(...)`` in ``train.py``): lstm-lint reads them for the configurations
    a model is built with, as it would in the repository itself."""
    names = {c.cls for c in rd.classes}
    folders = {str(PurePosixPath(c.path).parent) for c in rd.classes} | {".", ""}
    alts = "|".join(re.escape(n) for n in sorted(names))
    calls = re.compile(rf"\b(?:{alts})\s*\(")
    out: list[str] = []
    for p in sorted(tree):
        folder = str(PurePosixPath(p).parent)
        if not p.endswith(".py") or folder not in folders or p in rd.files:
            continue
        try:
            text = _git(gd, "show", f"{rd.commit}:{p}").decode("utf-8", "replace")
        except subprocess.CalledProcessError:
            continue
        if calls.search(text):
            out.append(p)
            if len(out) >= limit:
                break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=None)
    ap.add_argument("--only", action="append", default=[])
    a = ap.parse_args(argv)
    errors: list[str] = []
    n = 0
    for rd in load_drivers():
        if a.only and rd.repo not in a.only:
            continue
        errs = rebuild_repo(rd, a.mirror)
        errors += errs
        n += 1
        files = sum(1 for _ in (WORK / slug(rd.repo)).rglob("*.py")) if not errs else 0
        print(f"{rd.repo}: {'MISSING' if errs else f'{files} files'}", file=sys.stderr)
    for e in errors:
        print("error:", e, file=sys.stderr)
    print(f"{n} repositories, {len(errors)} problems", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
