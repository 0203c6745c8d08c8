"""The verified download/cache of recurrent.download, against a real HTTP
server on 127.0.0.1."""

import collections
import gzip
import hashlib
import http.server
import socket
import struct
import threading

import pytest

from recurrent import download as dl

CONTENT = (
    b"one line of test data\n" * 5000
)  # ~110 kB: several chunks of the socket buffer


def sha(data):
    return hashlib.sha256(data).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (body, mode)``; counts requests in
    ``server.hits``."""

    def do_GET(self):
        self.server.hits[self.path] += 1
        if self.path not in self.server.routes:
            self.send_error(404, "Not Found")
            return
        body, mode = self.server.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "ok":
            self.wfile.write(body)
            return
        self.wfile.write(
            body[: len(body) // 2]
        )  # announce everything, send half, then hang up
        self.wfile.flush()
        if (
            mode == "reset"
            # abortive close: the client sees a connection reset, not a clean
            # end
        ):
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
        else:  # "drop": a clean end of stream, short of the announced length
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def _server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: (
        None
    )  # the hang-up modes make the handler's socket fail
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        daemon=True,
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(_server):
    _server.routes, _server.hits = {}, collections.Counter()
    _server.url = f"http://127.0.0.1:{_server.server_address[1]}"
    return _server


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty cache folder, and no mirror."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(dl.HOME_VAR, str(cache))
    monkeypatch.delenv(dl.MIRROR_VAR, raising=False)
    return cache


def closed_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused), standing
    in for 'no network'."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def entry(name, content, urls, *, gz=False):
    return {
        "name": name,
        "urls": urls,
        "mirror_path": f"sub/{name}",
        "sha256": sha(content),
        "size": len(content),
        "gzip": gz,
        "path": f"test/{name}",
    }


def files_in(folder):
    return (
        [p for p in folder.rglob("*") if p.is_file()]
        if folder.exists()
        else []
    )


def test_good_file_is_verified_and_cached(server, home):
    server.routes["/good.txt"] = (CONTENT, "ok")
    path = dl.fetch(entry("good.txt", CONTENT, [server.url + "/good.txt"]))
    assert path == home / "test" / "good.txt"
    assert path.read_bytes() == CONTENT
    assert files_in(home) == [path]  # no temporary file left beside it


def test_cache_hit_does_not_download_again(server, home):
    server.routes["/good.txt"] = (CONTENT, "ok")
    e = entry("good.txt", CONTENT, [server.url + "/good.txt"])
    first = dl.fetch(e)
    second = dl.fetch(e)
    assert first == second
    assert server.hits["/good.txt"] == 1


def test_wrong_hash_raises_and_keeps_nothing(server, home):
    corrupted = CONTENT[:-1] + b"?"
    server.routes["/bad.txt"] = (corrupted, "ok")
    url = server.url + "/bad.txt"
    with pytest.raises(dl.ChecksumError) as info:
        dl.fetch(entry("bad.txt", CONTENT, [url]))
    message = str(info.value)
    for part in ("bad.txt", url, sha(CONTENT), sha(corrupted)):
        assert part in message
    assert files_in(home) == []


@pytest.mark.parametrize("mode", ["drop", "reset"])
def test_interrupted_download_leaves_no_partial_file(server, home, mode):
    server.routes["/cut.txt"] = (CONTENT, mode)
    url = server.url + "/cut.txt"
    with pytest.raises(dl.DownloadError) as info:
        dl.fetch(entry("cut.txt", CONTENT, [url]))
    assert not isinstance(info.value, dl.ChecksumError)
    assert url in str(info.value)
    if (
        mode == "drop"
        # a reset may already hit while the headers are read, with the OS's
        # wording
    ):
        assert "connection dropped: got" in str(
            info.value
        ) and "Content-Length" in str(info.value)
    assert files_in(home) == []


def test_missing_file_names_file_and_url(server, home):
    url = server.url + "/absent.txt"
    with pytest.raises(dl.DownloadError) as info:
        dl.fetch(entry("absent.txt", CONTENT, [url]))
    message = str(info.value)
    assert "absent.txt" in message and url in message and "HTTP 404" in message
    assert files_in(home) == []


def test_gzip_file_is_checked_by_its_uncompressed_hash(server, home):
    packed = gzip.compress(CONTENT)
    server.routes["/data.gz"] = (packed, "ok")
    url = server.url + "/data.gz"
    path = dl.fetch(entry("data", CONTENT, [url], gz=True))
    assert path.read_bytes() == CONTENT  # stored uncompressed
    # The hash of the .gz bytes is not what the registry holds for a gzip
    # entry: it must fail.
    wrong = dict(
        entry("data2", CONTENT, [url], gz=True), sha256=sha(packed), size=None
    )
    with pytest.raises(dl.ChecksumError):
        dl.fetch(wrong)


def test_gzip_members_concatenated_are_one_file(server, home):
    half = len(CONTENT) // 2
    server.routes["/two.gz"] = (
        gzip.compress(CONTENT[:half]) + gzip.compress(CONTENT[half:]),
        "ok",
    )
    path = dl.fetch(entry("two", CONTENT, [server.url + "/two.gz"], gz=True))
    assert path.read_bytes() == CONTENT


def test_truncated_gzip_is_rejected(server, home):
    packed = gzip.compress(CONTENT)
    server.routes["/short.gz"] = (
        packed[: len(packed) // 2],
        "ok",
    )  # honest Content-Length, cut stream
    with pytest.raises(dl.DownloadError, match="gzip stream ends early"):
        dl.fetch(entry("short", CONTENT, [server.url + "/short.gz"], gz=True))
    assert files_in(home) == []


def test_not_gzip_is_rejected(server, home):
    server.routes["/plain.gz"] = (CONTENT, "ok")
    with pytest.raises(dl.DownloadError, match="not a valid gzip stream"):
        dl.fetch(entry("plain", CONTENT, [server.url + "/plain.gz"], gz=True))
    assert files_in(home) == []


def test_urls_are_tried_in_order(server, home):
    server.routes["/second.txt"] = (CONTENT, "ok")
    urls = [server.url + "/first.txt", server.url + "/second.txt"]
    assert dl.fetch(entry("f.txt", CONTENT, urls)).read_bytes() == CONTENT
    assert server.hits["/first.txt"] == 1 and server.hits["/second.txt"] == 1


def test_file_mirror_replaces_official_urls(tmp_path, home, monkeypatch):
    folder = tmp_path / "mirror"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "m.gz").write_bytes(gzip.compress(CONTENT))
    monkeypatch.setenv(dl.MIRROR_VAR, folder.as_uri() + "/")
    e = entry(
        "m.gz", CONTENT, [closed_url() + "/m.gz"], gz=True
    )  # the official URL would fail
    assert dl.urls_for(e) == [folder.as_uri() + "/sub/m.gz"]
    assert dl.fetch(e).read_bytes() == CONTENT


def test_bare_folder_mirror_is_accepted(tmp_path, home, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(CONTENT)
    monkeypatch.setenv(dl.MIRROR_VAR, str(tmp_path))
    assert (
        dl.fetch(
            entry("b.txt", CONTENT, [closed_url() + "/b.txt"])
        ).read_bytes()
        == CONTENT
    )


def test_http_mirror_replaces_official_urls(server, home, monkeypatch):
    server.routes["/base/sub/h.txt"] = (CONTENT, "ok")
    monkeypatch.setenv(dl.MIRROR_VAR, server.url + "/base")
    e = entry("h.txt", CONTENT, [server.url + "/official/h.txt"])
    assert dl.fetch(e).read_bytes() == CONTENT
    assert server.hits == {"/base/sub/h.txt": 1}


def test_mirror_without_the_file_says_so(tmp_path, home, monkeypatch):
    monkeypatch.setenv(dl.MIRROR_VAR, tmp_path.as_uri())
    with pytest.raises(dl.DownloadError) as info:
        dl.fetch(entry("x.txt", CONTENT, [closed_url() + "/x.txt"]))
    message = str(info.value)
    assert (
        "x.txt" in message
        and dl.MIRROR_VAR in message
        and "sub/x.txt" in message
    )
    assert files_in(home) == []


def test_no_network_and_no_mirror_gives_one_clear_error(home):
    urls = [closed_url() + "/a.txt", closed_url() + "/b.txt"]
    with pytest.raises(dl.DownloadError) as info:
        dl.fetch(entry("a.txt", CONTENT, urls))
    message = str(info.value)
    assert "a.txt" in message and urls[0] in message and urls[1] in message
    assert dl.MIRROR_VAR in message
    assert files_in(home) == []


def test_concurrent_fetches_of_one_file(server, home):
    server.routes["/c.txt"] = (CONTENT * 10, "ok")
    e = entry("c.txt", CONTENT * 10, [server.url + "/c.txt"])
    results, errors = [], []

    def worker():
        try:
            results.append(dl.fetch(e))
        except (
            Exception
        ) as exc:  # collected, so that a failure in a thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 4
    assert files_in(home) == [results[0]]
    assert results[0].read_bytes() == CONTENT * 10


def test_cli_fetch_reports_each_file_and_fails_cleanly(
    server, home, monkeypatch, capsys
):
    server.routes["/ok.txt"] = (CONTENT, "ok")
    server.routes["/bad.txt"] = (CONTENT + b"!", "ok")
    good = dl.check_entry(entry("ok.txt", CONTENT, [server.url + "/ok.txt"]))
    bad = dl.check_entry(entry("bad.txt", CONTENT, [server.url + "/bad.txt"]))
    monkeypatch.setattr(
        dl, "registry", lambda: {"ok.txt": good, "bad.txt": bad}
    )
    assert dl.main(["fetch"]) == 1
    out, err = capsys.readouterr()
    assert "ok.txt" in out and "FAILED" in err and "bad.txt" in err
    assert dl.main(["fetch", "ok.txt"]) == 0
    assert "cached" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        dl.main(["fetch", "nope"])
    assert info.value.code == 2


def test_cli_replaces_a_corrupted_cached_file(
    server, home, monkeypatch, capsys
):
    server.routes["/ok.txt"] = (CONTENT, "ok")
    good = dl.check_entry(entry("ok.txt", CONTENT, [server.url + "/ok.txt"]))
    monkeypatch.setattr(dl, "registry", lambda: {"ok.txt": good})
    (home / "test").mkdir(parents=True)
    (home / "test" / "ok.txt").write_bytes(b"damaged")
    assert dl.main(["fetch"]) == 0
    assert (home / "test" / "ok.txt").read_bytes() == CONTENT
    assert server.hits["/ok.txt"] == 1


@pytest.mark.parametrize(
    "change, match",
    [
        ({"sha256": "abc"}, "64 hex digits"),
        ({"path": "../escape"}, "inside the cache"),
        ({"urls": "https://x"}, "list of strings"),
        ({"gzip": True, "sha256_of": "file"}, "does not fit"),
    ],
)
def test_bad_entries_are_rejected(change, match):
    with pytest.raises(ValueError, match=match):
        dl.check_entry(dict(entry("e", CONTENT, ["https://x/e"]), **change))


def test_unknown_name_is_rejected(home):
    with pytest.raises(ValueError, match="unknown data file 'nope'"):
        dl.fetch("nope")


def test_registry_lists_the_book_files():
    reg = dl.registry()
    mnist = [e for e in reg.values() if e["dataset"] == "mnist"]
    assert sorted(e["name"] for e in mnist) == sorted(
        f"{s}-{k}"
        for s in ("train", "t10k")
        for k in ("images-idx3-ubyte", "labels-idx1-ubyte")
    )
    for e in mnist:
        assert e["gzip"] and e["sha256_of"] == "uncompressed"
        assert (
            e["urls"][0]
            == f"https://ossci-datasets.s3.amazonaws.com/mnist/{e['name']}.gz"
        )
        assert e["mirror_path"] == f"mnist/{e['name']}.gz"
    text = reg["shakespeare.txt"]
    assert (
        not text["gzip"]
        and text["size"] == 1115394
        and text["mirror_path"] == "shakespeare.txt"
    )
