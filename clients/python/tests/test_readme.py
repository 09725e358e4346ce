"""Every ```python example of the README runs, on Python 3.10 and on this one.

Each example runs alone in a fresh interpreter, with the package from src/
and the helper under test; examples signal only children they start.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from conftest import HELPER

PACKAGE = Path(__file__).resolve().parents[1]
README = PACKAGE / "README.md"
EXAMPLES = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.DOTALL | re.MULTILINE)


@cache
def python310() -> str | None:
    """A Python 3.10 interpreter (the oldest supported), if one is installed."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))
    candidates += [p for p in (shutil.which("python3.10"),) if p]
    for candidate in candidates:
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=20)
        except OSError:
            continue
        if out.stdout.strip() == "(3, 10)":
            return candidate
    return None


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize("python", ["3.10", "default"])
@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example(index: int, python: str, tmp_path: Path) -> None:
    interpreter = sys.executable if python == "default" else python310()
    if interpreter is None:
        pytest.skip("no Python 3.10 found (looked under ~/.pyenv/versions/ and for python3.10)")
    script = tmp_path / f"readme_example_{index}.py"
    script.write_text(EXAMPLES[index])
    env = dict(os.environ, PYTHONPATH=str(PACKAGE / "src"), SIGRPC_BIN=HELPER)
    done = subprocess.run([interpreter, str(script)], capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, f"example {index} failed:\n{EXAMPLES[index]}\n{done.stderr}"
