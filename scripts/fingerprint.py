"""What a source's runs measured: its code and the repository code it imports.

A robustness run of a notebook or a lesson test depends on the source's code cells and on
the ``tlteach`` modules (and, for a test, the ``tests``/``scripts`` modules) it imports,
directly or through them, and on the package's data files (weights, class names). Its
*fingerprint* hashes those files after dropping what cannot change a number: Markdown
cells, outputs, comments, blank lines, docstrings and the quizzes' text. Editing a sentence
leaves the runs fresh; editing any code they ran (a notebook cell, a helper three imports
deep) does not.

Not in it: how a run is started (``scripts/robustness.py``, ``scripts/emulated_cpus.py``:
changing that bumps the sweep's ``DESIGN``) and the versions of the libraries (each record
stores them, and the host's CPU). ``importlib`` imports are not followed
(``moved_to`` hand-overs are).

    from scripts.fingerprint import WorkTree, GitTree, fingerprint
    fingerprint("notebooks/05_x.ipynb", WorkTree(root)) == fingerprint(..., GitTree(root, "abc123"))
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

LOCAL_PACKAGES = ("tlteach", "tests", "scripts")  # imports that resolve to files in the repo
DATA_FOLDER = "tlteach"  # its non-Python files (weights, class names) count for every source
PROSE_FILES = ("tlteach/quizzes.json",)  # questions and explanations: text, never a number
# Parsed once per file content (a module unchanged over many commits is parsed once)
_CODE: dict[tuple[bool, bool, bytes], str] = {}  # (.py, .ipynb, content hash) -> code_of
_IMPORTS: dict[tuple[str, bytes], list[str]] = {}  # (path, content hash) -> imported names


class WorkTree:
    """The files as they are on disk (in a git repository, the tracked ones)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def read(self, path: str) -> bytes | None:
        file = self.root / path
        return file.read_bytes() if file.is_file() else None

    def files_under(self, folder: str) -> list[str]:
        """The tracked files under ``folder`` (outside a repository: every file but caches)."""
        listed = subprocess.run(["git", "ls-files", "-z", "--", folder], cwd=self.root,
                                capture_output=True)
        if listed.returncode != 0:  # not a repository: every file but Python's caches
            return sorted(str(p.relative_to(self.root)) for p in (self.root / folder).rglob("*")
                          if p.is_file() and "__pycache__" not in p.parts)
        names = (os.fsdecode(name) for name in listed.stdout.split(b"\0") if name)
        return sorted(p for p in names if (self.root / p).is_file())


class GitTree:
    """The files of one commit: its listing read once (``git ls-tree``), each file's content
    read once per process over every commit (``git cat-file``, see ``_blob``)."""

    def __init__(self, root: Path, commit: str) -> None:
        self.root, self.commit = Path(root), commit
        self._listing: dict[str, str] | None = None

    def _ids(self) -> dict[str, str]:
        """{path from the repository's top: blob id} of every file of the commit."""
        if self._listing is None:
            listed = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", self.commit],
                                    cwd=self.root, capture_output=True)
            if listed.returncode != 0:
                raise RuntimeError(f"git ls-tree {self.commit} failed: "
                                   f"{listed.stderr.decode(errors='replace').strip()}")
            self._listing = {}
            for entry in listed.stdout.split(b"\0"):
                meta, _, path = entry.partition(b"\t")  # "<mode> <type> <id>\t<path>"
                fields = meta.split()
                if len(fields) == 3 and fields[1] == b"blob":
                    self._listing[os.fsdecode(path)] = fields[2].decode()
        return self._listing

    def read(self, path: str) -> bytes | None:
        """The file's content at the commit (None: no such file there)."""
        blob = self._ids().get(path)
        return None if blob is None else _blob(str(self.root), blob)

    def files_under(self, folder: str) -> list[str]:
        """The commit's files under ``folder``."""
        prefix = folder.rstrip("/") + "/"
        return sorted(p for p in self._ids() if p.startswith(prefix))


@functools.lru_cache(maxsize=512)
def _blob(root: str, blob: str) -> bytes:
    """One file content by its id (the same id, the same bytes, in every commit)."""
    shown = subprocess.run(["git", "cat-file", "blob", blob], cwd=root, capture_output=True)
    if shown.returncode != 0:
        raise RuntimeError(f"git cat-file blob {blob} failed: "
                           f"{shown.stderr.decode(errors='replace').strip()}")
    return shown.stdout


# --- code without prose --------------------------------------------------------------------

def _is_bare_string(node: ast.AST) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _without_docstrings(tree: ast.AST) -> ast.AST:
    """The tree without docstrings: any string standing alone as a statement (a module's,
    a function's, or an attribute's after its assignment), which runs as nothing."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and any(_is_bare_string(n) for n in body):
                setattr(node, field, [n for n in body if not _is_bare_string(n)]
                        or ([ast.Pass()] if field == "body" else []))
    return tree


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _python_code(text: str) -> str:
    """Python source as its syntax tree, comments, layout and docstrings dropped."""
    tree = _parse(text)
    if tree is None:  # not Python after all: keep every line that is not a comment
        return "\n".join(line.strip() for line in text.splitlines()
                         if line.strip() and not line.strip().startswith("#"))
    return ast.dump(_without_docstrings(tree))


def _is_magic(line: str) -> bool:
    return line.lstrip().startswith(("%", "!"))


def _cell_python(source: str) -> str:
    """A code cell with its IPython magics (``%time``, ``!pip``) replaced by ``pass``."""
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if _is_magic(line) else line
                     for line in source.splitlines())


def _code_cells(text: str) -> list[dict]:
    cells = json.loads(text).get("cells", [])
    out = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append({"source": "".join(source) if isinstance(source, list) else source,
                        "tags": sorted(cell.get("metadata", {}).get("tags", []))})
    return out


def code_of(path: str, data: bytes) -> str:
    """The part of a file that can change what a run computes (each content parsed once)."""
    key = (path.endswith(".py"), path.endswith(".ipynb"), hashlib.sha256(data).digest())
    if key not in _CODE:
        _CODE[key] = _code_of(path, data)
    return _CODE[key]


def _code_of(path: str, data: bytes) -> str:
    if path.endswith(".py"):
        return _python_code(data.decode("utf-8"))
    if path.endswith(".ipynb"):
        return "\n".join(json.dumps([cell["tags"], [line.strip() for line in
                                                     cell["source"].splitlines()
                                                     if _is_magic(line)],
                                     _python_code(_cell_python(cell["source"]))])
                         for cell in _code_cells(data.decode("utf-8")))
    return hashlib.sha256(data).hexdigest()  # a data file: every byte counts


# --- what a source imports -----------------------------------------------------------------

def _module_of(path: str) -> str:
    parts = Path(path).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every module name an import (at any depth, lazy ones too) might load."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[:len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "moved_to"
              and node.args and isinstance(node.args[0], ast.Constant)):
            yield str(node.args[0].value)  # an old path that hands over to a new module


def _files_of(name: str, tree, folder: str) -> list[str]:
    """The repository files importing ``name`` runs: its parents' __init__ and its own (or,
    for a test, a module beside it: pytest puts the test's folder on the path)."""
    parts = name.split(".")
    if parts[0] not in LOCAL_PACKAGES:
        beside = f"{folder}/{parts[0]}.py"
        return [beside] if folder == "tests" and tree.read(beside) is not None else []
    files = []
    for depth in range(1, len(parts) + 1):
        stem = "/".join(parts[:depth])
        for candidate in (f"{stem}/__init__.py", f"{stem}.py"):
            if tree.read(candidate) is not None:
                files.append(candidate)
                break
    return files


def _trees_of(path: str, data: bytes) -> list[ast.AST]:
    text = data.decode("utf-8")
    if path.endswith(".ipynb"):
        return [t for cell in _code_cells(text) if (t := _parse(_cell_python(cell["source"])))]
    tree = _parse(text)
    return [tree] if tree else []


def _imports_of(path: str, data: bytes) -> list[str]:
    """The module names a file's imports might load (each file content parsed once)."""
    key = (path, hashlib.sha256(data).digest())
    if key not in _IMPORTS:
        module = _module_of(path)
        _IMPORTS[key] = sorted({name for parsed in _trees_of(path, data) for name in
                                _imported_names(parsed, module, path.endswith("__init__.py"))})
    return _IMPORTS[key]


def dependencies(source: str, tree) -> list[str]:
    """The source and every repository file its runs execute or load, sorted."""
    seen, todo = set(), [source]
    if source.startswith("tests/"):
        todo.append("tests/conftest.py")
    while todo:
        path = todo.pop()
        data = tree.read(path)
        if path in seen or data is None:
            continue
        seen.add(path)
        if not path.endswith((".py", ".ipynb")):
            continue
        for name in _imports_of(path, data):
            todo.extend(f for f in _files_of(name, tree, str(Path(path).parent))
                        if f not in seen)
    data_files = [p for p in tree.files_under(DATA_FOLDER)
                  if not p.endswith(".py") and p not in PROSE_FILES]
    return sorted(seen | set(data_files))


def fingerprint(source: str, tree) -> dict[str, str]:
    """{file: hash of its code} over the source and its dependencies."""
    out = {}
    for path in dependencies(source, tree):
        data = tree.read(path)
        if data is not None:
            out[path] = hashlib.sha256(code_of(path, data).encode()).hexdigest()[:16]
    return out


def short(prints: dict[str, str]) -> str:
    """One short hash for a whole fingerprint (for a report)."""
    return hashlib.sha256(json.dumps(prints, sort_keys=True).encode()).hexdigest()[:8]
