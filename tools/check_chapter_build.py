"""Build the book strictly in a private temporary folder and print its warnings.

    python tools/check_chapter_build.py [chapters/NAME.ipynb ...]

For authors working side by side: it copies the book's sources to a new
folder under /tmp, writes a table of contents holding the pages of
``_toc.yml`` plus the notebooks named on the command line, and runs
``jupyter-book build -W -n --keep-going`` there, so that two authors never
share a ``_build/``. Exits non-zero on any warning.
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    extra = [pathlib.Path(a).with_suffix("").as_posix() for a in argv]
    work = pathlib.Path(tempfile.mkdtemp(prefix="lossbook-build-"))
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, work / name)
    for page in ROOT.glob("*.md"):  # intro, notation, teaching ... (only those in the toc are built)
        shutil.copy(page, work / page.name)
    shutil.copytree(ROOT / "chapters", work / "chapters")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    missing = [e for e in extra if e not in listed]
    if missing:
        toc["parts"].append({"caption": "Being written", "numbered": True,
                             "chapters": [{"file": e} for e in missing]})
    (work / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    cmd = [str(pathlib.Path(sys.executable).parent / "jupyter-book"), "build", str(work),
           "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line and "TCP" not in line
                or "ERROR" in line]
    print("\n".join(warnings) if warnings else "no warnings")
    print(f"built in {work / '_build' / 'html'} (exit {proc.returncode})")
    return 1 if warnings or proc.returncode else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
