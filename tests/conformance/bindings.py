"""The real TensorRT Python bindings of several versions, importable as `tensorrt` on a machine without TensorRT.

PyPI's `tensorrt-cu12-bindings` wheels hold the real pybind11 module (`tensorrt.so`); only TensorRT's C
libraries are missing. The module imports a handful of C entry points from them (`createInferBuilder_INTERNAL`,
...), so stub libraries with the right sonames that export those symbols (returning NULL) make `import tensorrt`
work: every class, signature, property and enum member is then the real one of that version. Nothing can run
inside TensorRT (every factory returns NULL).

    python -m tests.conformance.bindings [VERSION ...]   # prepare (default: all of VERSIONS), print the paths

Everything is cached under build/trt-bindings/ (git-ignored): wheels/, and <version>/{site,lib}.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "build" / "trt-bindings"
WHEELS = ROOT / "wheels"
VERSIONS = ("10.8.0.43", "10.13.3.9", "10.16.1.11", "11.0.0.114", "11.4.0.106")
# the wheels are per CPython version (cp311 and cp312 are on PyPI): those of the interpreter running this
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
_READY = "ready"  # marker file: the version is fully prepared


class BindingsUnavailable(RuntimeError):
    """A version cannot be prepared here (no network to PyPI, no C compiler, another Python version)."""


def short(version: str) -> str:
    """10.8.0.43 -> 10.8 (how tests and reports name a version)."""
    return ".".join(version.split(".")[:2])


def version_dir(version: str) -> Path:
    return ROOT / version


def wheel_path(version: str) -> Path | None:
    found = sorted(WHEELS.glob(f"tensorrt_cu12_bindings-{version}-cp{PYTHON_VERSION.replace('.', '')}-*.whl"))
    return found[0] if found else None


def download(version: str) -> Path:
    """The cached wheel of `version`, downloaded with pip when missing."""
    existing = wheel_path(version)
    if existing is not None:
        return existing
    WHEELS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"tensorrt-cu12-bindings=={version}",
               "--python-version", PYTHON_VERSION, "--only-binary=:all:", "-d", str(WHEELS)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    found = wheel_path(version)
    if done.returncode != 0 or found is None:
        raise BindingsUnavailable(f"pip could not download tensorrt-cu12-bindings=={version}: "
                                  f"{(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return found


def undefined_entry_points(module: Path) -> list[str]:
    """The symbols `module` needs from TensorRT's C libraries: undefined, unversioned, strong, not Python's,
    and not found in this process (libc, libdl and the interpreter provide the rest)."""
    listing = subprocess.run(["nm", "-D", "--undefined-only", str(module)], capture_output=True, text=True,
                             check=True).stdout
    process = ctypes.CDLL(None)
    names = []
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) != 2 or parts[0] != "U" or "@" in parts[1]:
            continue
        name = parts[1]
        if name.startswith(("Py", "_Py")) or hasattr(process, name):
            continue
        names.append(name)
    return sorted(names)


def needed_libraries(module: Path) -> list[str]:
    """The TensorRT sonames `module` links (libnvinfer.so.N, libnvonnxparser.so.N, libnvinfer_plugin.so.N)."""
    listing = subprocess.run(["readelf", "-d", str(module)], capture_output=True, text=True, check=True).stdout
    names = [line.split("[", 1)[1].rstrip("]") for line in listing.splitlines() if "(NEEDED)" in line]
    return [name for name in names if name.startswith("libnv")]


def _library_for(symbol: str, sonames: list[str]) -> str:
    """Which stub exports `symbol`: the parser's entry points in libnvonnxparser, the plugin library's
    initializer in libnvinfer_plugin, the rest in libnvinfer (where TensorRT has them)."""
    if "OnnxParser" in symbol:
        wanted = "libnvonnxparser"
    elif symbol == "initLibNvInferPlugins":
        wanted = "libnvinfer_plugin"
    else:
        wanted = "libnvinfer."
    return next(name for name in sonames if name.startswith(wanted))


def compile_stubs(module: Path, lib_dir: Path) -> dict[str, list[str]]:
    """One stub shared library per soname `module` links, exporting its entry points as functions returning
    NULL (0 for the int ones): soname -> symbols."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise BindingsUnavailable("no C compiler (cc) to build the TensorRT stub libraries")
    sonames = needed_libraries(module)
    exported: dict[str, list[str]] = {name: [] for name in sonames}
    for symbol in undefined_entry_points(module):
        exported[_library_for(symbol, sonames)].append(symbol)
    lib_dir.mkdir(parents=True, exist_ok=True)
    for soname, symbols in exported.items():
        source = lib_dir / f"{soname}.c"
        source.write_text("/* stub of a TensorRT library: every entry point returns NULL */\n"
                          + "".join(f"void *{symbol}(void) {{ return 0; }}\n" for symbol in symbols))
        subprocess.run([compiler, "-shared", "-fPIC", "-o", str(lib_dir / soname), f"-Wl,-soname,{soname}",
                        str(source)], check=True, capture_output=True)
    return exported


def prepare(version: str) -> Path:
    """Download, unpack and stub `version` once; the prepared directory (site/ for PYTHONPATH, lib/ for
    LD_LIBRARY_PATH)."""
    target = version_dir(version)
    stamp = f"{version} cp{PYTHON_VERSION.replace('.', '')}\n"  # prepared for this interpreter's CPython
    if (target / _READY).is_file() and (target / _READY).read_text() == stamp:
        return target
    wheel = download(version)
    shutil.rmtree(target, ignore_errors=True)
    unpacked = target / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    # the wheel's package is `tensorrt_bindings`; installed TensorRT is imported as `tensorrt`
    shutil.copytree(unpacked / "tensorrt_bindings", target / "site" / "tensorrt")
    compile_stubs(target / "site" / "tensorrt" / "tensorrt.so", target / "lib")
    check = subprocess.run([sys.executable, "-c", "import tensorrt; print(tensorrt.__version__)"],
                           env=environment(version), capture_output=True, text=True, timeout=120)
    if check.returncode != 0 or check.stdout.strip() != version:
        raise RuntimeError(f"the stubbed TensorRT {version} does not import: {check.stderr.strip()[-500:]}")
    (target / _READY).write_text(stamp)
    return target


def environment(version: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment in which `import tensorrt` is TensorRT `version` (and trtkit this checkout)."""
    env = dict(os.environ if base is None else base)
    if version is None:  # TensorRT-RTX: imported natively
        env["PYTHONPATH"] = str(REPO)
        return env
    target = version_dir(version)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(target / "lib"), env.get("LD_LIBRARY_PATH")]))
    env["PYTHONPATH"] = os.pathsep.join([str(target / "site"), str(REPO)])
    return env


def run_python(version: str | None, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python ARGUMENTS` with TensorRT `version` as `tensorrt` (None: no full TensorRT, TensorRT-RTX native)."""
    return subprocess.run([sys.executable, *arguments], env=environment(version), capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def main(argv: list[str]) -> int:
    for version in argv or VERSIONS:
        try:
            print(f"TensorRT {version}: {prepare(version)}")
        except BindingsUnavailable as error:
            print(f"TensorRT {version}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
