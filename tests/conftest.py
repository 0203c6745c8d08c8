"""Shared setup. TensorFlow for the tests that ask for it (the `tf` fixture),
imported quietly.

The tests without the `data` marker cannot reach the real dataset files.

`make test-lib` runs those tests on machines that have neither the data nor the
network. So each of them runs with an empty data cache and a mirror that holds
no files: an unmarked test that loads MNIST (or any other file of
data/registry.json) fails at once with a DownloadError naming the file, rather
than passing only where `make data` happened to run before. Tests that set
RECURRENT_DATA_HOME or the mirror themselves (tests/test_data_download.py)
override both.
"""

import os

import pytest


@pytest.fixture(autouse=True)
def _no_data_files_unless_marked(request, tmp_path_factory, monkeypatch):
    if request.node.get_closest_marker("data") is not None:
        return
    empty = tmp_path_factory.mktemp("no_data")
    monkeypatch.setenv("RECURRENT_DATA_HOME", str(empty / "cache"))
    monkeypatch.setenv("RECURRENT_DATA_MIRROR", (empty / "mirror").as_uri())


@pytest.fixture(scope="module")
def tf():
    """TensorFlow, with its C++ log lines off; only the modules that use this
    fixture load it."""
    os.environ.setdefault(
        "TF_CPP_MIN_LOG_LEVEL", "3"
    )  # before TensorFlow is imported
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf

    return tf
