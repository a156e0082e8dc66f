"""Fetch a pinned corpus of real third-party PyTorch code for lstm-lint.

The corpus is used for false-positive review and speed benchmarks. It is
kept outside the repository (default ``~/.cache/lstm-lint-corpus/dl``).

For every pinned package the script runs ``python -m pip download --no-deps``
(wheels preferred, sdist as fallback) into ``<dest>/archives/<name>-<version>/``
and unpacks only the ``.py`` files into ``<dest>/src/<name>-<version>/``.
Additionally, ``torch/nn`` from the locally installed torch is copied to
``<dest>/src/torch-nn-<version>/torch/nn`` when torch is importable.

Re-running is cheap: archives that are already present are not downloaded
again and packages that were fully unpacked are not unpacked again.

Stdlib only. Usage::

    python benchmarks/fetch_corpus.py [--dest DIR] [--list]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DEFAULT_DEST = Path("~/.cache/lstm-lint-corpus/dl")

# Pinned (distribution name, version). pytorch/examples is not on PyPI.
PINNED: tuple[tuple[str, str], ...] = (
    ("flair", "0.15.1"),
    ("allennlp", "2.10.1"),
    ("allennlp-models", "2.10.1"),
    ("OpenNMT-py", "3.5.1"),
    ("speechbrain", "1.1.2"),
    ("stanza", "1.15.0"),
    ("darts", "0.48.1"),
    ("neuralforecast", "3.3.0"),
)

TORCH_NN = "torch-nn"
ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz")
DONE_MARKER = ".unpacked"


@dataclass
class Result:
    name: str
    version: str
    py_files: int = 0
    lines: int = 0
    error: str | None = None


def canonical(name: str) -> str:
    """PEP 503-style normalised name, used for directory names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def safe_dirname(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def find_archive(directory: Path) -> Path | None:
    if not directory.is_dir():
        return None
    found = sorted(
        p for p in directory.iterdir() if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES)
    )
    wheels = [p for p in found if p.name.endswith(".whl")]
    if wheels:
        return wheels[0]
    return found[0] if found else None


def pip_download(name: str, version: str, target: Path) -> Path:
    """Download ``name==version`` into ``target`` (wheel first, then sdist)."""
    existing = find_archive(target)
    if existing is not None:
        return existing
    target.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(target)]
    spec = f"{name}=={version}"
    attempts = (["--only-binary=:all:", spec], ["--no-binary=:all:", spec])
    errors: list[str] = []
    for extra in attempts:
        proc = subprocess.run(base + extra, capture_output=True, text=True, check=False)
        archive = find_archive(target)
        if proc.returncode == 0 and archive is not None:
            return archive
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        errors.append(f"{extra[0]}: {tail[0]}")
    raise RuntimeError("; ".join(errors))


def member_target(member: str, *, strip_top: bool) -> PurePosixPath | None:
    """Relative output path for an archive member, or None to skip it."""
    path = PurePosixPath(member)
    if path.suffix != ".py" or path.is_absolute() or ".." in path.parts:
        return None
    parts = path.parts[1:] if strip_top else path.parts
    if not parts:
        return None
    return PurePosixPath(*parts)


def write_member(out_root: Path, rel: PurePosixPath, data: bytes) -> None:
    out = out_root.joinpath(*rel.parts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def unpack_py(archive: Path, out_root: Path) -> None:
    """Extract only the ``.py`` files of a wheel/zip/tar.gz into ``out_root``."""
    if out_root.exists():
        shutil.rmtree(out_root)
    out_root.mkdir(parents=True)
    name = archive.name
    if name.endswith((".whl", ".zip")):
        # Wheels have no top-level wrapper directory; zip sdists do.
        strip = not name.endswith(".whl")
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                rel = member_target(info.filename, strip_top=strip)
                if rel is not None and not info.is_dir():
                    write_member(out_root, rel, zf.read(info))
    elif name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive, "r:gz") as tf:
            for tinfo in tf:
                rel = member_target(tinfo.name, strip_top=True)
                if rel is None or not tinfo.isfile():
                    continue
                fh = tf.extractfile(tinfo)
                if fh is not None:
                    write_member(out_root, rel, fh.read())
    else:
        msg = f"unsupported archive type: {name}"
        raise RuntimeError(msg)
    (out_root / DONE_MARKER).write_text(archive.name + "\n", encoding="utf-8")


def count_py(root: Path) -> tuple[int, int]:
    files = 0
    lines = 0
    for path in root.rglob("*.py"):
        if path.is_file():
            files += 1
            with path.open("rb") as fh:
                lines += sum(1 for _ in fh)
    return files, lines


def fetch_package(name: str, version: str, dest: Path) -> Result:
    result = Result(name, version)
    key = f"{canonical(name)}-{version}"
    out_root = dest / "src" / key
    try:
        if not (out_root / DONE_MARKER).is_file():
            archive = pip_download(name, version, dest / "archives" / key)
            unpack_py(archive, out_root)
        result.py_files, result.lines = count_py(out_root)
    except (RuntimeError, OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        result.error = str(exc)
    return result


def torch_version_and_dir() -> tuple[str, Path] | None:
    """Locate the installed torch without importing it (import is slow)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return None
    proc = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.strip(), Path(spec.origin).parent


def fetch_torch_nn(dest: Path) -> Result | None:
    found = torch_version_and_dir()
    if found is None:
        print("torch is not importable; skipping torch-nn", file=sys.stderr)
        return None
    version, torch_dir = found
    result = Result(TORCH_NN, version)
    out_root = dest / "src" / f"{TORCH_NN}-{safe_dirname(version)}"
    try:
        if not (out_root / DONE_MARKER).is_file():
            if out_root.exists():
                shutil.rmtree(out_root)
            nn_dir = torch_dir / "nn"
            for src in sorted(nn_dir.rglob("*.py")):
                rel = src.relative_to(torch_dir.parent)
                out = out_root / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, out)
            (out_root / DONE_MARKER).write_text(str(nn_dir) + "\n", encoding="utf-8")
        result.py_files, result.lines = count_py(out_root)
    except OSError as exc:
        result.error = str(exc)
    return result


def print_summary(results: list[Result]) -> None:
    header = f"{'package':<18} {'version':<14} {'py files':>9} {'lines':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.error is None:
            print(f"{r.name:<18} {r.version:<14} {r.py_files:>9} {r.lines:>10}")
        else:
            print(f"{r.name:<18} {r.version:<14} {'FAILED':>9}  {r.error}")
    ok = [r for r in results if r.error is None]
    total_files = sum(r.py_files for r in ok)
    total_lines = sum(r.lines for r in ok)
    print("-" * len(header))
    print(f"{'total':<18} {'':<14} {total_files:>9} {total_lines:>10}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--dest",
        type=Path,
        default=DEFAULT_DEST,
        help=f"cache directory (default: {DEFAULT_DEST})",
    )
    parser.add_argument("--list", action="store_true", help="print the pinned list and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for name, version in PINNED:
            print(f"{name}=={version}")
        print(f"{TORCH_NN} (torch/nn from the installed torch, if importable)")
        return 0
    dest: Path = args.dest.expanduser().resolve()
    dest.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for name, version in PINNED:
        print(f"fetching {name}=={version} ...", file=sys.stderr, flush=True)
        results.append(fetch_package(name, version, dest))
    torch_result = fetch_torch_nn(dest)
    if torch_result is not None:
        results.append(torch_result)
    print_summary(results)
    print(f"\nsources under {dest / 'src'}")
    return 1 if any(r.error is not None for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
