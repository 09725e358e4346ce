"""hatchling hook: sigrpc's version.

The version is the Go module's ``internal/version/VERSION``, the file the
helper embeds for ``sigrpc --version``. The Go module
(``github.com/sigrpc/sigrpc``) is the repository two directories up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

MODULE_LINE = "module github.com/sigrpc/sigrpc"
VERSION_FILE = Path("internal", "version", "VERSION")
#: Where the sdist keeps the Go module.
SDIST_GO_DIR = "go"


class BuildError(RuntimeError):
    """The package cannot be built; the message says why and what to do."""


def go_module(root: Path) -> Path:
    """The Go module's directory: ``go/`` in an sdist, else the clone's top."""
    for candidate in (root / SDIST_GO_DIR, root.parent.parent):
        go_mod = candidate / "go.mod"
        if go_mod.is_file() and MODULE_LINE in go_mod.read_text("utf-8").splitlines():
            return candidate
    raise BuildError(
        f"sigrpc: the Go module ({MODULE_LINE}) is neither in {root / SDIST_GO_DIR} (an sdist)"
        f" nor in {root.parent.parent} (a clone of the repository)"
    )


def read_version(module: Path) -> str:
    """The release, from the Go module's internal/version/VERSION."""
    return (module / VERSION_FILE).read_text("utf-8").strip()


class SigrpcMetadataHook(MetadataHookInterface):
    """Sets the version from the Go module's internal/version/VERSION."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        metadata["version"] = read_version(go_module(Path(self.root)))
