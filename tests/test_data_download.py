"""The CIFAR-10 download against an HTTP server on 127.0.0.1: success, bad checksum, cut connection, unsafe archives."""

from __future__ import annotations

import hashlib
import io
import socket
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import numerics.data.download as dl
from numerics.data import DataNotFoundError, DownloadError, load_dataset
from numerics.data.cifar import PYTHON_FOLDER, load_cifar10
from numerics.data.download import ARCHIVE_NAME, OFFICIAL_MD5, OFFICIAL_URL, download_cifar10, file_md5
from numerics.data.official_format import make_cifar10_archive, synthetic_cifar10

SEED = 7
N_PER_BATCH = 3


def file_md5_bytes(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _tar(members: dict[str, bytes | str]) -> bytes:
    """A .tar.gz in memory; a ``str`` value makes a symlink to it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = make_cifar10_archive(tmp_path_factory.mktemp("arc") / ARCHIVE_NAME, np.random.default_rng(SEED), N_PER_BATCH)
    return path.read_bytes()


@pytest.fixture(scope="module")
def server(archive: bytes) -> Iterator[str]:
    routes = {
        "/ok": archive,
        "/noheader": archive[: len(archive) // 2],  # no Content-Length: only the MD5 can tell
        "/escape": _tar({f"{PYTHON_FOLDER}/data_batch_1": b"x", f"{PYTHON_FOLDER}/../escaped.txt": b"pwned"}),
        "/absolute": _tar({"/tmp/gradproof-absolute-member.txt": b"pwned"}),
        "/symlink": _tar({f"{PYTHON_FOLDER}/data_batch_1": "/etc/passwd"}),
        "/incomplete": _tar({f"{PYTHON_FOLDER}/data_batch_1": b"x"}),
        "/notgzip": b"this is not a gzip file at all",
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/cut":  # promise the whole archive, send half, hang up
                self.send_response(200)
                self.send_header("Content-Length", str(len(archive)))
                self.end_headers()
                self.wfile.write(archive[: len(archive) // 2])
                self.close_connection = True
                return
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            if self.path != "/noheader":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture()
def closed_port_url() -> str:
    with socket.socket() as s:  # a port nobody listens on: connection refused, as offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_official_constants() -> None:
    assert OFFICIAL_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert OFFICIAL_MD5 == "c58f30108f718f92721af3b95e74349a"


def test_download_success_then_cached(server: str, archive: bytes, tmp_path: Path, closed_port_url: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache" / "nested"
    md5 = file_md5(make_cifar10_archive(tmp_path / "ref.tar.gz", np.random.default_rng(SEED), N_PER_BATCH))
    folder = download_cifar10(cache, url=f"{server}/ok", md5=md5, progress=True)
    assert folder == cache / PYTHON_FOLDER
    assert ARCHIVE_NAME in capsys.readouterr().err  # the tqdm bar
    assert _leftovers(cache) == sorted([ARCHIVE_NAME, PYTHON_FOLDER])  # no .part file, no staging folder
    assert (cache / ARCHIVE_NAME).read_bytes() == archive
    ds, ref = load_cifar10(cache), synthetic_cifar10(np.random.default_rng(SEED), N_PER_BATCH)
    assert np.array_equal(ds.X_train, ref.X_train) and np.array_equal(ds.y_test, ref.y_test)
    # Cached: no network needed any more, and a cached archive is re-extracted without downloading.
    assert download_cifar10(cache, url=closed_port_url, md5=md5, progress=False) == folder
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    assert download_cifar10(cache, url=closed_port_url, md5=md5, progress=False) == folder
    assert np.array_equal(load_cifar10(cache).X_test, ref.X_test)


def test_stale_archive_is_not_trusted(server: str, archive: bytes, tmp_path: Path) -> None:
    (tmp_path / ARCHIVE_NAME).write_bytes(b"half a download from an older, killed run")
    download_cifar10(tmp_path, url=f"{server}/ok", md5=file_md5_bytes(archive), progress=False)
    assert (tmp_path / ARCHIVE_NAME).read_bytes() == archive



def test_checksum_mismatch_leaves_nothing(server: str, archive: bytes, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=rf"MD5 mismatch, expected 0{{32}}, got {file_md5_bytes(archive)}.*deleted"):
        download_cifar10(tmp_path, url=f"{server}/ok", md5="0" * 32, progress=False)
    assert _leftovers(tmp_path) == []


def test_connection_cut_mid_transfer_leaves_nothing(server: str, archive: bytes, tmp_path: Path) -> None:
    half, full = len(archive) // 2, len(archive)
    with pytest.raises(DownloadError, match=rf"connection cut after {half} of {full} bytes; nothing was kept.*by hand"):
        download_cifar10(tmp_path, url=f"{server}/cut", md5=file_md5_bytes(archive), progress=True)
    assert _leftovers(tmp_path) == []


def test_truncated_without_content_length_fails_the_checksum(server: str, archive: bytes, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="MD5 mismatch"):
        download_cifar10(tmp_path, url=f"{server}/noheader", md5=file_md5_bytes(archive), progress=False)
    assert _leftovers(tmp_path) == []


def test_offline_says_how_to_get_the_data(tmp_path: Path, closed_port_url: str) -> None:
    with pytest.raises(DownloadError, match=rf"could not download .*URLError.*To get CIFAR-10 by hand: download "
                                            rf"{OFFICIAL_URL}.*extract it into {tmp_path}"):
        download_cifar10(tmp_path, url=closed_port_url, progress=False)
    assert _leftovers(tmp_path) == []


def test_http_error(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="could not download .*HTTPError.*404"):
        download_cifar10(tmp_path, url=f"{server}/nothing-here", progress=False)
    assert _leftovers(tmp_path) == []


UNSAFE = {
    "/escape": r"refused member 'cifar-10-batches-py/\.\./escaped\.txt', which would land outside",
    "/absolute": r"refused member '/tmp/gradproof-absolute-member\.txt', which would land outside",
    "/symlink": r"refused member 'cifar-10-batches-py/data_batch_1', a link or special file",
    "/incomplete": "has no complete cifar-10-batches-py folder",
    "/notgzip": r"could not extract \(ReadError",
}


@pytest.mark.parametrize("route", sorted(UNSAFE))
def test_unsafe_or_broken_archives_are_not_extracted(server: str, tmp_path: Path, route: str) -> None:
    import urllib.request

    body = urllib.request.urlopen(f"{server}{route}", timeout=10).read()
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=UNSAFE[route]):
        download_cifar10(cache, url=f"{server}{route}", md5=file_md5_bytes(body), progress=False)
    assert _leftovers(cache) == [ARCHIVE_NAME]  # checksum-verified archive kept; nothing extracted
    assert not (tmp_path / "escaped.txt").exists() and not (cache / "escaped.txt").exists()
    assert not Path("/tmp/gradproof-absolute-member.txt").exists()


def test_incomplete_folder_in_the_way(tmp_path: Path) -> None:
    (tmp_path / PYTHON_FOLDER).mkdir()
    (tmp_path / PYTHON_FOLDER / "data_batch_1").write_bytes(b"")
    with pytest.raises(DownloadError, match="exists but is incomplete; remove it"):
        download_cifar10(tmp_path, url="http://127.0.0.1:9/never-used", progress=False)


def test_load_dataset_downloads_only_when_asked(server: str, archive: bytes, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def local(data_dir: Path, **kw: object) -> Path:
        calls.append(data_dir)
        return download_cifar10(data_dir, url=f"{server}/ok", md5=file_md5_bytes(archive), progress=False)

    monkeypatch.setattr(dl, "download_cifar10", local)
    with pytest.raises(DataNotFoundError, match="download=True"):
        load_dataset("cifar10", tmp_path)
    assert calls == [] and _leftovers(tmp_path) == []
    ds = load_dataset("cifar10", tmp_path, download=True)
    assert calls == [tmp_path] and ds.X_train.shape == (5 * N_PER_BATCH, 3072)
    load_dataset("cifar10", tmp_path, download=True)
    assert calls == [tmp_path]  # already there: no second download


@pytest.mark.parametrize("route", ["/ok", "/noheader"])
def test_download_stops_at_its_size_cap(server: str, archive: bytes, tmp_path: Path, route: str) -> None:
    cap = 1000  # well below the test archive, so both the Content-Length check and the streaming check are exercised
    assert len(archive) > 2 * cap
    match = "announces .* bytes, more than the 1000" if route == "/ok" else "more than 1000 bytes, more than a CIFAR-10"
    with pytest.raises(DownloadError, match=match):
        download_cifar10(tmp_path, url=f"{server}{route}", md5=file_md5_bytes(archive), progress=False,
                         limits=dl.ArchiveLimits(max_download_bytes=cap))
    assert _leftovers(tmp_path) == []
    # Control: the same download under the default caps succeeds.
    download_cifar10(tmp_path, url=f"{server}/ok", md5=file_md5_bytes(archive), progress=False)


@pytest.mark.parametrize(("limits", "match"), [
    (dl.ArchiveLimits(max_members=8), "more than 8 members"),  # the test archive: a folder, 7 files and a readme
    (dl.ArchiveLimits(max_member_bytes=1000), r"member 'cifar-10-batches-py/\w+' of \d+ bytes, more than 1000"),
    (dl.ArchiveLimits(max_extracted_bytes=20_000), "more than 20000 bytes in all"),
])
def test_extraction_caps(archive: bytes, tmp_path: Path, limits: dl.ArchiveLimits, match: str) -> None:
    (tmp_path / ARCHIVE_NAME).write_bytes(archive)
    with pytest.raises(DownloadError, match=match):
        download_cifar10(tmp_path, url="http://127.0.0.1:9/never-used", md5=file_md5_bytes(archive), progress=False,
                         limits=limits)
    assert _leftovers(tmp_path) == [ARCHIVE_NAME]
    # Control: one more member / byte of room and the same archive extracts.
    roomy = dl.ArchiveLimits(max_members=9) if limits.max_members == 8 else dl.ArchiveLimits()
    assert download_cifar10(tmp_path, url="http://127.0.0.1:9/never-used", md5=file_md5_bytes(archive), progress=False,
                            limits=roomy).is_dir()


def test_a_linked_archive_is_not_trusted(server: str, archive: bytes, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.tar.gz"
    real.write_bytes(archive)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ARCHIVE_NAME).symlink_to(real)  # right MD5, but a link: downloaded afresh, the link replaced
    download_cifar10(cache, url=f"{server}/ok", md5=file_md5_bytes(archive), progress=False)
    assert not (cache / ARCHIVE_NAME).is_symlink() and real.read_bytes() == archive
