"""Executes the notebooks headless (nbclient) and fails on the first cell error.

python tests/run_notebooks.py notebooks            # check they run
python tests/run_notebooks.py notebooks --write    # also store the fresh outputs in the files
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--write", action="store_true", help="save the executed notebooks")
    args = parser.parse_args()
    notebooks = sorted(args.folder.glob("*.ipynb"))
    if not notebooks:
        print(f"no notebooks in {args.folder}", file=sys.stderr)
        return 1
    for path in notebooks:
        started = time.perf_counter()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        client.execute()
        if args.write:
            nbformat.write(notebook, path)
        print(f"{path}: {len(notebook.cells)} cells ran in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
