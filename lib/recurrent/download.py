"""Verified download and cache for the data files listed in ``registry.json``
(shipped with the package; ``data/registry.json`` in the repository points to
it).

A file reaches the cache only after its SHA-256 matched the registry: it is
streamed into a uniquely named temporary file next to its final place,
decompressed on the way when it is gzip-compressed (MNIST's registry hash is
that of the *uncompressed* content, since recompressing changes the bytes of a
``.gz``), hashed, and only then renamed with ``os.replace``, which is atomic.
So a file present under its final name has been verified, a failed or
interrupted download leaves nothing behind, and two processes fetching the same
file at once cannot see each other's half-written bytes.

Environment:
    RECURRENT_DATA_HOME    the cache folder (default:
                           ``<repository>/data/cache`` in a checkout of the
                           book, else the user's cache folder, e.g.
                           ``~/.cache/recurrent``; see :func:`cache_dir`).
    RECURRENT_DATA_MIRROR  a base URL (``file://`` or ``http(s)://``) that
    replaces the official hosts:
                           a file is fetched from ``<mirror>/<mirror_path>``
                           and verified the same way.

The loaders of :mod:`recurrent.data` call :func:`fetch`; ``python -m
recurrent.download fetch`` (``make data``, see :func:`main`) fetches and
verifies everything before the notebooks run.
"""

import argparse
import contextlib
import functools
import hashlib
import http.client
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from pathlib import Path

from . import __version__

REPO_ROOT = (
    Path(__file__).resolve().parents[2]
)  # the book's checkout, when the package runs from lib/
REGISTRY_PATH = (
    Path(__file__).resolve().with_name("registry.json")
)  # package data: found once installed too
HOME_VAR = "RECURRENT_DATA_HOME"
MIRROR_VAR = "RECURRENT_DATA_MIRROR"
TIMEOUT_S = 60  # seconds without a byte before a connection counts as dead
_CHUNK = 1 << 20
# Some hosts refuse urllib's default agent string.
_USER_AGENT = f"Mozilla/5.0 (compatible; recurrent-book-data/{__version__})"
_REQUIRED = ("name", "urls", "mirror_path", "sha256")


class DownloadError(RuntimeError):
    """No URL gave a verified copy of a file (the message lists every URL tried
    and why it failed)."""


class ChecksumError(DownloadError):
    """A URL served content whose SHA-256 differs from the registry's; the
    content was deleted."""


class _AttemptFailed(Exception):
    """One URL failed; `fetch` collects these and moves on to the next URL."""

    def __init__(self, reason, *, checksum=False):
        super().__init__(reason)
        self.checksum = checksum


def check_entry(entry):
    """Validate a registry entry and fill in its defaults.

    Args:
        entry: dict with ``name``, ``urls`` (list, tried in order),
            ``mirror_path`` (path under a mirror), ``sha256`` (64 hex digits);
            optional ``path`` (cache-relative, default ``name``), ``gzip``
            (default False), ``sha256_of`` ("uncompressed" for gzip files,
            "file" otherwise), ``size`` (bytes of the hashed content, or None),
            ``dataset``.

    Returns:
        A new dict with every key present.
    """
    if not isinstance(entry, dict):
        raise ValueError(f"entry must be a dict, got {type(entry).__name__}")
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise ValueError(
            f"entry {entry.get('name', '?')!r} lacks the keys {missing}"
        )
    e = dict(entry)
    e.setdefault("path", e["name"])
    e.setdefault("gzip", False)
    e.setdefault("sha256_of", "uncompressed" if e["gzip"] else "file")
    e.setdefault("size", None)
    e.setdefault("dataset", None)
    if isinstance(e["urls"], str) or not all(
        isinstance(u, str) for u in e["urls"]
    ):
        raise ValueError(
            f"entry {e['name']!r}: urls must be a list of strings"
        )
    sha = str(e["sha256"]).lower()
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError(
            f"entry {e['name']!r}: sha256 must be 64 hex digits, got "
            f"{e['sha256']!r}"
        )
    e["sha256"] = sha
    if e["sha256_of"] != ("uncompressed" if e["gzip"] else "file"):
        raise ValueError(
            f"entry {e['name']!r}: sha256_of={e['sha256_of']!r} does not fit "
            f"gzip={e['gzip']}"
        )
    rel = Path(e["path"])
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(
            f"entry {e['name']!r}: path must stay inside the cache, got "
            f"{e['path']!r}"
        )
    return e


@functools.lru_cache(maxsize=None)
def registry(path=REGISTRY_PATH):
    """The registry as a dict ``name -> entry`` (entries checked by
    :func:`check_entry`)."""
    with open(path, encoding="utf-8") as f:
        files = json.load(f)["files"]
    entries = {}
    for raw in files:
        e = check_entry(raw)
        if e["name"] in entries:
            raise ValueError(f"{path}: the name {e['name']!r} appears twice")
        entries[e["name"]] = e
    return entries


def cache_dir():
    """The cache folder: ``$RECURRENT_DATA_HOME`` if set; else
    ``<repository>/data/cache`` when the package runs from a checkout of the
    book (``pip install -e .``, as ``make venv`` does); else, for an installed
    package, :func:`user_cache_dir`."""
    home = os.environ.get(HOME_VAR, "").strip()
    if home:
        return Path(home).expanduser()
    if (REPO_ROOT / "data" / "registry.json").exists() and (
        REPO_ROOT / "lib" / "recurrent"
    ).is_dir():
        return REPO_ROOT / "data" / "cache"
    return user_cache_dir()


def user_cache_dir():
    """The user's cache folder for the book's data:
    ``$XDG_CACHE_HOME/recurrent`` (``~/.cache/recurrent``) on Linux,
    ``~/Library/Caches/recurrent`` on macOS,
    ``%LOCALAPPDATA%\\recurrent\\Cache`` on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "").strip()
        return (
            (Path(base) if base else Path.home() / "AppData" / "Local")
            / "recurrent"
            / "Cache"
        )
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "recurrent"
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (
        Path(base).expanduser() if base else Path.home() / ".cache"
    ) / "recurrent"


def mirror():
    """The mirror base URL from ``$RECURRENT_DATA_MIRROR`` without a trailing
    slash, or None.

    A bare folder path is accepted too and turned into a ``file://`` URL.
    """
    base = os.environ.get(MIRROR_VAR, "").strip()
    if not base:
        return None
    if "://" not in base:
        base = Path(base).expanduser().resolve().as_uri()
    return base.rstrip("/")


def urls_for(entry):
    """The URLs to try, in order: only the mirror's when a mirror is set, else
    the official ones."""
    base = mirror()
    return [f"{base}/{entry['mirror_path']}"] if base else list(entry["urls"])


def sha256_file(path):
    """Return ``(hex sha256, size in bytes)`` of a file on disk."""
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def fetch(entry, *, verify_cached=False):
    """Return the path of a verified copy of a file, downloading it first if it
    is not cached.

    Args:
        entry: a registry name (str) or an entry dict (see
            :func:`check_entry`).
        verify_cached: re-hash a cached copy too (and replace it if it fails);
            by default a file in the cache is trusted, since it only got there
            after verification.

    Returns:
        pathlib.Path of the (uncompressed) file under :func:`cache_dir`.

    Raises:
        ChecksumError: some URL answered, but with content of the wrong hash
        (deleted, never kept). DownloadError: no URL could be read (the message
        names the file, the URLs and the mirror variable).
    """
    return ensure(entry, verify_cached=verify_cached)[0]


def ensure(entry, *, verify_cached=False):
    """Like :func:`fetch`, but return ``(path, url)``: the URL the file came
    from, or None if it was cached."""
    if isinstance(entry, str):
        if entry not in registry():
            raise ValueError(
                f"unknown data file {entry!r}; the registry has "
                f"{sorted(registry())}"
            )
        e = registry()[entry]
    else:
        e = check_entry(entry)
    final = cache_dir() / e["path"]
    if final.is_file():
        if not verify_cached or sha256_file(final)[0] == e["sha256"]:
            return final, None
        final.unlink()  # a cached file that fails its hash is never kept
    final.parent.mkdir(parents=True, exist_ok=True)
    tried = []
    for url in urls_for(e):
        try:
            _download(url, e, final)
            return final, url
        except _AttemptFailed as exc:
            tried.append((url, exc))
    error = (
        ChecksumError
        if any(exc.checksum for _, exc in tried)
        else DownloadError
    )
    raise error(_failure_message(e, tried))


def _failure_message(e, tried):
    where = f" (dataset {e['dataset']})" if e["dataset"] else ""
    lines = [f"could not fetch {e['name']!r}{where}; tried:"]
    lines += [f"  {url}\n    -> {exc}" for url, exc in tried]
    base = mirror()
    if base:
        lines.append(
            f"{MIRROR_VAR}={base} replaced the official URLs; check that it "
            "holds "
            f"{e['mirror_path']!r}, or unset it to download from "
            f"{e['urls'][0]}"
        )
    else:
        lines.append(
            f"{MIRROR_VAR} is not set. Without internet access, point it at "
            "a folder or server "
            "holding verified copies, e.g. "
            f"{MIRROR_VAR}=file:///path/to/datasets "
            f"(this file at <mirror>/{e['mirror_path']})"
        )
    return "\n".join(lines)


def _download(url, e, final):
    """Fetch `url` into a temporary file beside `final`; rename it to `final`
    only if the hash matches."""
    # A unique name per attempt (pid + random) so that concurrent fetches never
    # share a temporary file; os.open with mode 0o666 lets the umask decide the
    # final permissions, as for any other new file.
    tmp = final.parent / f".{final.name}.{os.getpid()}.{uuid.uuid4().hex}.part"
    fd = os.open(
        tmp,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
        0o666,
    )
    try:
        with os.fdopen(fd, "wb") as out:
            digest, size = _stream(url, e, out)
        if digest != e["sha256"] or (
            e["size"] is not None and size != e["size"]
        ):
            expected = f"{e['sha256']}" + (
                f" ({e['size']} bytes)" if e["size"] is not None else ""
            )
            what = "uncompressed content" if e["gzip"] else "file"
            raise _AttemptFailed(
                f"sha256 of the {what} does not match the registry: expected "
                f"{expected}, "
                f"got {digest} ({size} bytes); the download was deleted",
                checksum=True,
            )
        os.replace(tmp, final)
        if not _is_file_url(url):
            print(
                f"downloaded {e['name']}: {size} bytes, sha256 verified",
                file=sys.stderr,
                flush=True,
            )
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _stream(url, e, out):
    """Copy `url` into the open file `out` (gunzipped if the entry says so);
    return (sha256, size)."""
    h, size, raw, length = hashlib.sha256(), 0, 0, None
    gunzip = _Gunzip() if e["gzip"] else None
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
            header = resp.headers.get("Content-Length")
            length = (
                int(header) if header and header.strip().isdigit() else None
            )
            with _progress(url, e["name"], length) as advance:
                # read(n) returns b"" when the peer closes early, without
                # raising: hence the length check below.
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    raw += len(chunk)
                    advance(len(chunk))
                    data = gunzip.feed(chunk) if gunzip else chunk
                    size += len(data)
                    if e["size"] is not None and size > e["size"]:
                        raise _AttemptFailed(
                            "content is larger than the registry's "
                            f"{e['size']} bytes",
                            checksum=True,
                        )
                    h.update(data)
                    out.write(data)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        raise _AttemptFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _AttemptFailed(f"cannot open: {exc.reason}") from None
    except zlib.error as exc:
        raise _AttemptFailed(f"not a valid gzip stream ({exc})") from None
    except (
        OSError,
        http.client.HTTPException,
    ) as exc:  # reset, timeout, IncompleteRead, bad status line
        raise _AttemptFailed(
            f"transfer interrupted after {raw} bytes: {exc!r}"
        ) from None
    if length is not None and raw != length:
        raise _AttemptFailed(
            f"connection dropped: got {raw} of the {length} bytes announced "
            "(Content-Length)"
        )
    if gunzip and not gunzip.complete:
        raise _AttemptFailed(
            f"gzip stream ends early after {raw} bytes (truncated download)"
        )
    return h.hexdigest(), size


class _Gunzip:
    """Incremental gzip decoder that also accepts several concatenated gzip
    members."""

    def __init__(self):
        self._z = zlib.decompressobj(
            wbits=31
        )  # 31 = expect a gzip header and trailer

    def feed(self, data):
        parts = []
        while data:
            if self._z.eof:
                self._z = zlib.decompressobj(wbits=31)
            parts.append(self._z.decompress(data))
            data = self._z.unused_data
        return b"".join(parts)

    @property
    def complete(self):
        return self._z.eof


def _is_file_url(url):
    return urllib.parse.urlsplit(url).scheme == "file"


@contextlib.contextmanager
def _progress(url, name, total):
    """Report a network download on stderr: one line, plus a bar on a terminal
    (`_download` adds the end line).

    Copies from a ``file://`` mirror are silent. Notebooks never download
    (``make data`` runs first), so nothing here ends up in their outputs.
    """
    if _is_file_url(url):
        yield lambda n: None
        return
    print(f"downloading {name} from {url}", file=sys.stderr, flush=True)
    bar = None
    if sys.stderr.isatty():
        with contextlib.suppress(ImportError):
            from tqdm.auto import tqdm

            bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc=name,
                file=sys.stderr,
                leave=False,
            )
    try:
        yield (bar.update if bar else lambda n: None)
    finally:
        if bar:
            bar.close()


def select(names):
    """Registry entries for dataset names (``mnist``) or file names; all of
    them when `names` is empty."""
    entries = registry()
    if not names:
        return list(entries.values())
    chosen = []
    for name in names:
        match = [
            e for e in entries.values() if name in (e["name"], e["dataset"])
        ]
        if not match:
            known = sorted(
                {e["dataset"] for e in entries.values() if e["dataset"]}
                | set(entries)
            )
            raise ValueError(
                f"unknown dataset or file {name!r}; known: {', '.join(known)}"
            )
        chosen += [e for e in match if e not in chosen]
    return chosen


def main(argv=None):
    """``python -m recurrent.download fetch [names...]``: fetch and verify
    files, one line per file on stdout.

    Cached files are hashed again, and one that fails is fetched anew. Returns
    the exit status: 0 when every file is verified, 1 when some could not be
    fetched (the reasons go to stderr); unknown names exit with 2.
    """
    parser = argparse.ArgumentParser(
        prog="python -m recurrent.download",
        description="Fetch and verify the book's data files.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser(
        "fetch", help="download (or copy from the mirror) and verify files"
    )
    cmd.add_argument(
        "names",
        nargs="*",
        help=(
            "datasets (mnist, shakespeare, japanese_vowels) or file names; "
            "default: all"
        ),
    )
    args = parser.parse_args(argv)
    try:
        entries = select(args.names)
    except ValueError as exc:
        parser.error(str(exc))
    failed = 0
    for e in entries:
        try:
            _, source = ensure(e, verify_cached=True)
        except DownloadError as exc:
            failed += 1
            print(f"FAILED   {e['name']}\n{exc}", file=sys.stderr)
            continue
        how = f"fetched from {source}" if source else "cached"
        print(
            f"ok       {e['name']:<25} sha256 {e['sha256'][:12]}…  {how}",
            flush=True,
        )
    if failed:
        print(
            f"{failed} of {len(entries)} files could not be fetched; see "
            "the messages above",
            file=sys.stderr,
        )
        return 1
    print(f"{len(entries)} files verified in {cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
