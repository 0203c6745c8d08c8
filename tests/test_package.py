"""The package's lazy submodules: every module file under lib/recurrent is reachable as rc.<name>."""
import subprocess
import sys
from pathlib import Path

import recurrent as rc

PACKAGE = Path(rc.__file__).parent


def test_every_module_is_a_lazy_submodule():
    modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    missing = modules - set(rc._SUBMODULES)
    assert not missing, f"rc.<name> fails for {sorted(missing)}: add them to _SUBMODULES"


def test_download_is_reachable_in_a_fresh_interpreter():
    # A fresh process: in this one another test may already have imported recurrent.data.
    code = "import recurrent as rc; print(rc.download.cache_dir.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "cache_dir"


def test_unknown_attribute_names_itself():
    try:
        rc.no_such_module
    except AttributeError as exc:
        assert "no_such_module" in str(exc)
    else:
        raise AssertionError("rc.no_such_module did not raise AttributeError")
