"""`make lab` starts JupyterLab on the book with the book's kernel: start the
same server headless.

The server is started as the Makefile's `lab` target starts it (plus
--no-browser, a free port and a token), asked for /api/status and
/api/kernelspecs over 127.0.0.1, and stopped. JupyterLab is not part of the
pinned test environment (requirements-lab.txt, installed by `make lab`);
without it this test is skipped, and `make test-lab` installs it and runs the
test.
"""

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Marked `lab`: run by `make test-lab`, left out of `make test-lib`.
pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(
        importlib.util.find_spec("jupyterlab") is None,
        reason="JupyterLab is not installed in this environment "
        "(requirements-lab.txt); `make test-lab` installs it and runs this "
        "test",
    ),
]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, token):
    request = urllib.request.Request(
        url, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    port, token = _free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("lab_home")
    args = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # what `make lab` adds for root
    # A fresh runtime/config folder, so a user's own Jupyter settings play no
    # part.
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
    )
    log = home / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"jupyter lab exited with {proc.returncode}:\n"
                    + log.read_text()[-3000:]
                )
            try:
                status = _get(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        "jupyter lab did not answer within 60 s:\n"
                        + log.read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield base, token, status, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_server_answers_with_token(lab_server):
    base, token, status, _ = lab_server
    assert "started" in status and status["kernels"] == 0
    # Without the token the API refuses: the server is not left open.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{base}/api/kernelspecs", timeout=5)
    assert err.value.code == 403


def test_book_kernel_is_listed(lab_server):
    base, token, _, _ = lab_server
    specs = _get(f"{base}/api/kernelspecs", token)
    assert "python3" in specs["kernelspecs"], specs["kernelspecs"].keys()
    spec = specs["kernelspecs"]["python3"]["spec"]
    assert spec["display_name"] == "Python 3 (book)"
    # The kernel runs the book's interpreter, not some other Python on PATH.
    assert Path(spec["argv"][0]).parent == Path(sys.executable).parent
    assert specs["default"] == "python3"


def test_make_lab_adds_allow_root_for_root():
    """What `make lab` would run (make -n runs nothing): --allow-root exactly
    when root."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "lab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    command = [
        line for line in done.stdout.splitlines() if "jupyter lab" in line
    ]
    assert command, done.stdout
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    assert ("--allow-root" in command[-1]) == is_root, command[-1]
