"""hatchling hooks: sigrpc's version, the Go sources in the sdist, the helper in each wheel.

The Go module (``github.com/sigrpc/sigrpc``) is found two directories up in
a clone of the repository, or under ``go/`` in an sdist, which carries the
module's sources (every non-test ``.go`` file, ``go.mod``, ``go.sum``,
``LICENSE`` and ``internal/version/VERSION``) so that a wheel can be built
from it. Its dependencies come from the Go module proxy or the module cache,
as for any Go build.

Version: ``internal/version/VERSION``, the file the helper embeds for
``sigrpc --version``.

Wheel: the helper goes in as the wheel's script ``sigrpc`` (mode 0755), at
``sigrpc-<version>.data/scripts/sigrpc``, which pip installs as the
``sigrpc`` command in the environment's scripts directory (``bin/``), as
ruff's and uv's wheels ship their binaries: the command on ``PATH`` is the
helper itself, not a Python wrapper around it, and the Python client runs
the same file (``sigrpc._cli.installed_helper``). Its ``LICENSE`` goes in
at ``sigrpc/_bin/LICENSE``, ``sigrpc/_version.py`` is written with the
version spelt out, and the wheel is tagged ``py3-none-<platform>`` for the
platform the helper runs on:

- ``SIGRPC_HELPER=path`` bundles a helper built beforehand (``make dist``
  cross-compiles them); ``GOOS`` and ``GOARCH`` must name its platform.
- Otherwise the helper is compiled here with the Go toolchain on ``PATH``
  (static: ``CGO_ENABLED=0``), for ``go env GOOS GOARCH``, so ``GOOS`` and
  ``GOARCH`` cross-compile as they do for ``go build``. Without Go the build
  fails and says so.

An editable install (``pip install -e``) bundles no helper: it runs the
source tree, whose clients find a helper through ``$SIGRPC_BIN`` or ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

MODULE_LINE = "module github.com/sigrpc/sigrpc"
VERSION_FILE = Path("internal", "version", "VERSION")
#: Where the sdist keeps the Go module.
SDIST_GO_DIR = "go"
#: Directories of the repository that are not part of the Go module's build.
SKIP_TOP_DIRS = {"clients", "bin", "dist", "build", "node_modules"}

#: Platform tags for the helper, which is static (CGO_ENABLED=0) and so
#: needs no C library at all. Linux: one wheel serves glibc and musl alike.
#: manylinux_2_17 (alias manylinux2014: CentOS 7, kernel 3.10) is the oldest
#: manylinux whose kernel Go supports (3.2 or later); musllinux_1_1 is the
#: oldest musllinux. macOS: Go 1.26 writes 12.0 as the binary's minimum
#: macOS (LC_BUILD_VERSION), for amd64 and arm64 alike; the install tests
#: compare the tag with the binary. FreeBSD has no tag that PyPI accepts or
#: that pip matches beyond the exact release it was built on: FreeBSD builds
#: from the sdist, on the machine itself.
WHEEL_PLATFORMS = {
    ("linux", "amd64"): "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
    ("linux", "arm64"): "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
    ("darwin", "amd64"): "macosx_12_0_x86_64",
    ("darwin", "arm64"): "macosx_12_0_arm64",
}

#: go build's flags for the helper: no build paths, no symbol tables, no VCS
#: stamp (an sdist unpacked inside some other checkout must still build).
GO_BUILD_FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w"]


class BuildError(RuntimeError):
    """The wheel cannot be built; the message says why and what to do."""


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


def go_sources(module: Path) -> dict[str, str]:
    """What the sdist carries of the Go module: source path -> path in the sdist."""
    files = {
        str(module / name): f"{SDIST_GO_DIR}/{name.as_posix()}"
        for name in (Path("go.mod"), Path("go.sum"), Path("LICENSE"), VERSION_FILE)
    }
    for dirpath, dirnames, filenames in os.walk(module):
        here = Path(dirpath)
        top = here == module
        # The go tool ignores directories starting with "." or "_" and testdata.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith((".", "_"))
            and d != "testdata"
            and not (top and d in SKIP_TOP_DIRS)
        )
        for name in sorted(filenames):
            if name.endswith(".go") and not name.endswith("_test.go"):
                rel = (here / name).relative_to(module)
                files[str(here / name)] = f"{SDIST_GO_DIR}/{rel.as_posix()}"
    return files


def build_helper(module: Path, out: Path) -> tuple[str, str]:
    """Compile the helper into out with the Go toolchain on PATH; return (GOOS, GOARCH)."""
    go = shutil.which("go")
    if go is None:
        raise BuildError(
            "sigrpc: building the helper from source needs the Go toolchain (go 1.26 or"
            " later) on PATH, and there is no 'go' on PATH. Install Go and build again,"
            " install a prebuilt wheel for this platform, or set SIGRPC_HELPER to a"
            " built helper with GOOS and GOARCH naming its platform."
        )
    env = dict(os.environ, CGO_ENABLED="0")
    target = subprocess.run(
        [go, "env", "GOOS", "GOARCH"],
        cwd=module,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if len(target) != 2:
        raise BuildError(f"sigrpc: 'go env GOOS GOARCH' printed {target!r}")
    build = subprocess.run(
        [go, "build", *GO_BUILD_FLAGS, "-o", str(out), "./cmd/sigrpc"], cwd=module, env=env
    )
    if build.returncode != 0:
        raise BuildError(f"sigrpc: go build failed (exit status {build.returncode}); see above")
    return target[0], target[1]


def host_platform_tag() -> str:
    """This interpreter's own platform tag (a wheel for this machine only)."""
    from packaging.tags import platform_tags

    return next(iter(platform_tags()))


class SigrpcMetadataHook(MetadataHookInterface):
    """Sets the version from the Go module's internal/version/VERSION."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        metadata["version"] = read_version(go_module(Path(self.root)))


class SigrpcBuildHook(BuildHookInterface):
    """Puts the Go sources in the sdist and the helper in the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._tmp: Path | None = None
        root = Path(self.root)
        module = go_module(root)
        if self.target_name == "sdist":
            build_data["force_include"].update(go_sources(module))
            return
        if self.target_name != "wheel" or version == "editable":
            return
        self._tmp = Path(tempfile.mkdtemp(prefix="sigrpc-wheel-"))
        try:
            self._bundle(module, self._tmp, build_data)
        except BaseException:
            self._clean()
            raise

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        self._clean()

    def _clean(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _bundle(self, module: Path, tmp: Path, build_data: dict[str, Any]) -> None:
        """Put the helper, its LICENSE and _version.py in the wheel; set its tag."""
        helper = tmp / "sigrpc"
        prebuilt = os.environ.get("SIGRPC_HELPER")
        if prebuilt:
            goos, goarch = os.environ.get("GOOS", ""), os.environ.get("GOARCH", "")
            if not (goos and goarch):
                raise BuildError("sigrpc: SIGRPC_HELPER needs GOOS and GOARCH naming its platform")
            shutil.copyfile(prebuilt, helper)
            tag = WHEEL_PLATFORMS.get((goos, goarch))
            if tag is None:
                raise BuildError(
                    f"sigrpc: no wheel platform tag for {goos}/{goarch}; build the wheel"
                    " from the sdist on such a machine"
                )
        else:
            goos, goarch = build_helper(module, helper)
            tag = WHEEL_PLATFORMS.get((goos, goarch)) or self._native_tag(goos, goarch)
        helper.chmod(0o755)
        version_py = tmp / "_version.py"
        version_py.write_text(
            '"""sigrpc\'s version, the helper\'s; written when the wheel was built."""\n\n'
            f'__version__ = "{self.metadata.version}"\n',
            "utf-8",
        )
        build_data["shared_scripts"][str(helper)] = "sigrpc"
        build_data["force_include"].update(
            {
                str(module / "LICENSE"): "sigrpc/_bin/LICENSE",
                str(version_py): "sigrpc/_version.py",
            }
        )
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{tag}"

    def _native_tag(self, goos: str, goarch: str) -> str:
        """The tag for a helper built for this very machine, on a platform not in the table."""
        go = shutil.which("go") or "go"
        host = subprocess.run(
            [go, "env", "GOHOSTOS", "GOHOSTARCH"], check=True, capture_output=True, text=True
        ).stdout.split()
        if host != [goos, goarch]:
            raise BuildError(
                f"sigrpc: no wheel platform tag for {goos}/{goarch} when cross-compiling;"
                " build the wheel on such a machine"
            )
        return host_platform_tag()
