"""Every ```python example of the README runs, on this Python, 3.10 and 3.13.

Each example runs alone in a fresh interpreter, with the package from src/
and the helper under test; examples signal only children they start.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import HELPER, OTHER_PYTHONS, need_python

PACKAGE = Path(__file__).resolve().parents[1]
README = PACKAGE / "README.md"
EXAMPLES = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.DOTALL | re.MULTILINE)


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize("version", ["default", *OTHER_PYTHONS])
@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example(index: int, version: str, tmp_path: Path) -> None:
    interpreter = need_python(version)
    script = tmp_path / f"readme_example_{index}.py"
    script.write_text(EXAMPLES[index])
    env = dict(os.environ, PYTHONPATH=str(PACKAGE / "src"), SIGRPC_BIN=HELPER)
    done = subprocess.run([interpreter, str(script)], capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, f"example {index} failed:\n{EXAMPLES[index]}\n{done.stderr}"
