"""The package: its lazy submodules (every module file under lib/recurrent is
reachable as rc.<name>), its one version string, and pyproject.toml declaring
every package that lib/recurrent imports."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import recurrent as rc

PACKAGE = Path(rc.__file__).parent


@pytest.mark.parametrize("where", ["", "book"])
def test_every_module_is_a_lazy_submodule(where):
    package = rc.book if where else rc
    modules = {
        p.stem
        for p in (PACKAGE / where).glob("*.py")
        if not p.stem.startswith("_")
    }
    missing = modules - set(package._SUBMODULES)
    assert not missing, (
        f"{package.__name__}.<name> fails for {sorted(missing)}: add them "
        "to its _SUBMODULES"
    )


# ------------------------ the subpackages stay out of the modules that teach


@pytest.mark.parametrize("subpackage", ["bench", "book"])
def test_no_teaching_module_imports_a_subpackage(subpackage):
    # bench/ times the cells and book/ serves the pages: the modules of
    # lib/recurrent itself never import either (the package's __init__ only
    # names them for lazy loading).
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [f"{'.' * node.level}{node.module or ''}"] + [
                    a.name for a in node.names
                ]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(
                n == subpackage
                or n.endswith(f".{subpackage}")
                or f".{subpackage}." in n
                for n in names
            ):
                offenders.append(path.name)
    assert not offenders, (
        f"these modules import recurrent.{subpackage}: {offenders}"
    )


def test_download_is_reachable_in_a_fresh_interpreter():
    # A fresh process: in this one another test may already have imported
    # recurrent.data.
    code = "import recurrent as rc; print(rc.download.cache_dir.__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "cache_dir"


def test_unknown_attribute_names_itself():
    try:
        rc.no_such_module
    except AttributeError as exc:
        assert "no_such_module" in str(exc)
    else:
        raise AssertionError("rc.no_such_module did not raise AttributeError")


# ----------------------------------------------------------------
# pyproject.toml: version and dependencies
ROOT = Path(__file__).resolve().parent.parent
# Import names whose distribution on PyPI is named otherwise; every
# distribution listed must be declared. TensorFlow comes as tensorflow-cpu on
# Linux x86-64 and as tensorflow elsewhere (see requirements.txt).
DISTRIBUTIONS = {
    "tensorflow": ["tensorflow-cpu", "tensorflow"],
    "sklearn": ["scikit-learn"],
    "yaml": ["pyyaml"],
    "PIL": ["pillow"],
}


def pyproject():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip(
            "tomli",
            reason="reading pyproject.toml needs Python 3.11+ or tomli",
        )
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def requirement(text):
    return pytest.importorskip("packaging.requirements").Requirement(text)


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(folder):
    """{top-level module: sorted files} for every absolute import under
    `folder` outside the standard library."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        ):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None))
                == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and not node.args[0].value.startswith(".")
            ):
                names = [node.args[0].value]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "recurrent":
                    found.setdefault(top, set()).add(path.name)
    return {top: sorted(files) for top, files in found.items()}


def declared_requirements():
    """{extra or "": [Requirement]} from pyproject.toml, the extras that name
    recurrent[...] expanded."""
    project = pyproject()["project"]
    groups = {
        "": project.get("dependencies", []),
        **project.get("optional-dependencies", {}),
    }
    groups = {
        name: [requirement(r) for r in reqs] for name, reqs in groups.items()
    }
    for name, reqs in groups.items():
        for r in [r for r in reqs if canonical(r.name) == "recurrent"]:
            reqs.remove(r)
            reqs.extend(x for extra in sorted(r.extras) for x in groups[extra])
    return groups


def test_version_is_written_once():
    project = pyproject()["project"]
    assert "version" not in project and "version" in project.get("dynamic", [])
    assert pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "recurrent.__version__"
    }


def test_installed_version_is_the_package_version():
    from importlib.metadata import version

    assert version("recurrent") == rc.__version__, (
        "the installed metadata is stale: reinstall with `.venv/bin/pip "
        "install --no-deps -e .`"
    )


def test_every_third_party_import_is_declared():
    declared = {
        canonical(r.name)
        for reqs in declared_requirements().values()
        for r in reqs
    }
    imports = third_party_imports(PACKAGE)
    assert "numpy" in imports  # the scan sees the imports at all
    missing = {
        top: files
        for top, files in imports.items()
        if not {canonical(d) for d in DISTRIBUTIONS.get(top, [top])}
        <= declared
    }
    assert not missing, (
        "imported under lib/recurrent but not declared in pyproject.toml's "
        "dependencies or "
        f"optional-dependencies (module: files): {missing}"
    )


def test_extra_all_holds_every_extra():
    groups = declared_requirements()
    everything = {
        str(r)
        for name, reqs in groups.items()
        if name not in ("", "all")
        for r in reqs
    }
    assert everything and everything <= {str(r) for r in groups["all"]}


def test_declared_bounds_admit_the_pinned_versions():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            r = requirement(line)
            pins[(canonical(r.name), str(r.marker))] = next(
                iter(r.specifier)
            ).version
    for name, reqs in declared_requirements().items():
        for r in reqs:
            key = (canonical(r.name), str(r.marker))
            assert key in pins, (
                f"{r} ({name or 'dependencies'}) has no pin with the same "
                "marker in requirements.txt"
            )
            assert r.specifier.contains(pins[key]), (
                f"{r} excludes the pinned {key[0]}=={pins[key]}"
            )


def _pins(path):
    """{canonical name: version} of the `name==version` lines of a requirements
    or constraints file."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            r = requirement(line)
            pins.setdefault(canonical(r.name), next(iter(r.specifier)).version)
    return pins


def notebook_and_test_imports():
    """{top-level module: sorted files} for the third-party imports of
    tests/*.py, of the scripts beside the chapters (chapters/*/*.py) and of the
    code cells of every notebook under chapters/ and appendix/ (IPython magics
    left out), pytest.importorskip included."""
    found = {}
    local = {p.stem for p in (ROOT / "tests").glob("*.py")}
    sources = [
        (p, p.read_text(encoding="utf-8"))
        for p in sorted(
            [*(ROOT / "tests").glob("*.py"), *ROOT.glob("chapters/*/*.py")]
        )
    ]
    for nb in sorted(
        [*ROOT.glob("chapters/*/*.ipynb"), *ROOT.glob("appendix/*.ipynb")]
    ):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = [
            "\n".join(
                line
                for line in "".join(c["source"]).splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
            for c in cells
            if c["cell_type"] == "code"
        ]
        sources.append((nb, "\n\n".join(code)))
    for path, text in sources:
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "importorskip"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [node.args[0].value]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if (
                    top not in sys.stdlib_module_names
                    and top not in local
                    and top != "recurrent"
                ):
                    found.setdefault(top, set()).add(path.name)
    return {top: sorted(files) for top, files in found.items()}


def test_every_import_of_the_tests_and_notebooks_is_pinned():
    pinned = set(_pins(ROOT / "requirements.txt"))
    imports = notebook_and_test_imports()
    assert {"myst_nb", "yaml", "pytest", "keras", "nbformat"} <= set(
        imports
    )  # the scan sees the three kinds of file
    names = {**DISTRIBUTIONS, "myst_nb": ["myst-nb"], "IPython": ["ipython"]}
    optional = {"tomli"}  # tomllib's stand-in on Python 3.10 (importorskip)
    missing = {
        top: files
        for top, files in imports.items()
        if top not in optional
        and not {canonical(d) for d in names.get(top, [top])} & pinned
    }
    assert not missing, (
        "imported by the tests or notebooks but not pinned in "
        f"requirements.txt: {missing}"
    )


def test_constraints_pin_the_environment_and_agree_with_requirements():
    from importlib.metadata import distributions

    constraints = _pins(ROOT / "constraints.txt")
    for name, version in _pins(ROOT / "requirements.txt").items():
        if (
            name in constraints
        ):  # tensorflow (not -cpu) is pinned for other platforms only
            assert constraints[name] == version, (
                f"{name}: requirements.txt {version}, constraints.txt "
                f"{constraints[name]}"
            )
    assert "tensorflow-cpu" in constraints or "tensorflow" in constraints
    # every distribution installed here, except the installer itself and what
    # `make lab` adds on top
    lab = set(_pins(ROOT / "requirements-lab.txt"))
    installed = {
        canonical(d.metadata["Name"]): d.version for d in distributions()
    }
    skip = {"recurrent", "pip", "setuptools", "wheel"} | lab
    drift = {
        name: (version, constraints.get(name))
        for name, version in installed.items()
        if name not in skip and constraints.get(name) != version
    }
    assert not drift, (
        "installed version vs constraints.txt (rebuild .venv or remake "
        f"constraints.txt): {drift}"
    )


# -------------------------------- installed from a wheel, outside the checkout


def test_the_wheel_ships_the_registry_and_caches_in_the_user_folder(tmp_path):
    """Built as a wheel and imported from outside the checkout, the package
    finds its registry and puts the cache in the user's cache folder
    (RECURRENT_DATA_HOME still wins). Built from a copy of pyproject.toml and
    lib/, so that nothing is written into the checkout."""
    import shutil
    import zipfile

    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "lib",
        src / "lib",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    shutil.copy(ROOT / "pyproject.toml", src / "pyproject.toml")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("recurrent-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        assert "recurrent/registry.json" in z.namelist()
        z.extractall(site)
    code = (
        "import json, recurrent, recurrent.download as d; "
        "print(json.dumps([recurrent.__file__, sorted(d.registry()), "
        "str(d.cache_dir())]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(site),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
    }
    run = [sys.executable, "-c", code]
    out = subprocess.run(
        run, capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    )
    where, names, cache = json.loads(out.stdout)
    assert Path(where).is_relative_to(site)
    assert (
        names == sorted(rc.download.registry()) and "shakespeare.txt" in names
    )
    assert Path(cache) == tmp_path / "xdg" / "recurrent"
    env["RECURRENT_DATA_HOME"] = str(tmp_path / "mine")
    out = subprocess.run(
        run, capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    )
    assert Path(json.loads(out.stdout)[2]) == tmp_path / "mine"


def test_a_checkout_keeps_its_cache_in_data_cache(monkeypatch):
    monkeypatch.delenv("RECURRENT_DATA_HOME", raising=False)
    assert rc.download.cache_dir() == ROOT / "data" / "cache"
    assert (
        ROOT / "data" / "registry.json"
    ).resolve() == rc.download.REGISTRY_PATH
