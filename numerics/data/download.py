r"""Download CIFAR-10 (only when asked), check it and extract it safely.

Steps, each of which leaves nothing trusted behind when it fails:

1. stream the archive into a temporary ``.part`` file in the data folder, with a
   progress bar, checking the byte count against ``Content-Length``;
2. check its MD5 *before* renaming it (``os.replace``, atomic) to
   ``cifar-10-python.tar.gz``; a mismatch deletes it;
3. read the archive's member headers one at a time and refuse, before any
   member's data is decompressed, anything that is not a plain file or folder
   under ``cifar-10-batches-py/`` (links, devices, sparse files, absolute or
   ``..`` paths, duplicate names) and anything over :class:`ArchiveLimits`
   (member count, member size, total size); then extract into a temporary folder
   with ``tarfile``'s ``"data"`` filter and move the complete folder into place.

The download itself stops at :attr:`ArchiveLimits.max_download_bytes`, whatever
``Content-Length`` says.

An archive already in the folder is re-checked against the MD5 before use; a
complete ``cifar-10-batches-py`` folder means there is nothing to do.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from numerics.data.cifar import PYTHON_FILES, PYTHON_FOLDER
from numerics.data.dataset import DATA_DIR_ENV, default_data_dir
from numerics.data.errors import DownloadError

__all__ = ["OFFICIAL_URL", "OFFICIAL_MD5", "ARCHIVE_NAME", "ArchiveLimits", "download_cifar10", "file_md5",
           "manual_instructions"]

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on the download and its extraction (the official archive is 170 MB with 8 files, 186 MB extracted)."""

    max_download_bytes: int = 256 << 20
    max_members: int = 64
    max_member_bytes: int = 64 << 20  # the largest official file is 31 MB
    max_extracted_bytes: int = 256 << 20


def manual_instructions(data_dir: Path) -> str:
    """How to get CIFAR-10 by hand and where to put it (quoted by every download and not-found error)."""
    return (
        f"To get CIFAR-10 by hand: download {OFFICIAL_URL} (MD5 {OFFICIAL_MD5}) and extract it into "
        f"{data_dir} (`tar -xzf {ARCHIVE_NAME} -C {data_dir}`), so that {data_dir / PYTHON_FOLDER / 'data_batch_1'} "
        f"exists; or point --data-dir or ${DATA_DIR_ENV} at a folder that holds {PYTHON_FOLDER} "
        f"(or the binary version's cifar-10-batches-bin)."
    )


def file_md5(path: str | Path) -> str:
    """The MD5 hex digest of a file, read in chunks."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _complete(folder: Path) -> bool:
    train, test, meta = PYTHON_FILES
    return all((folder / f).is_file() for f in (*train, test, meta))


def _fetch(url: str, dest: Path, md5: str, *, progress: bool, timeout: float, limit: int) -> None:
    """Download ``url`` to ``dest`` via a temporary file in the same folder; MD5 checked before the rename."""
    from tqdm import tqdm

    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h = hashlib.md5(usedforsecurity=False)
        received = 0
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            if expected is not None and expected > limit:
                raise DownloadError(f"{url}: the server announces {expected} bytes, more than the {limit} a CIFAR-10 "
                                    f"archive can be; nothing was downloaded. {manual_instructions(dest.parent)}")
            with tqdm(total=expected, unit="B", unit_scale=True, desc=dest.name, disable=not progress) as bar:
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    out.write(chunk)
                    h.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                    if received > limit:
                        raise DownloadError(f"{url}: more than {limit} bytes, more than a CIFAR-10 archive can be; "
                                            f"the download was stopped and deleted. {manual_instructions(dest.parent)}")
        if expected is not None and received != expected:
            raise DownloadError(f"{url}: connection cut after {received} of {expected} bytes; nothing was kept. "
                                f"{manual_instructions(dest.parent)}")
        got = h.hexdigest()
        if got != md5.lower():
            raise DownloadError(f"{url}: MD5 mismatch, expected {md5}, got {got} ({received} bytes); the download "
                                f"was deleted. {manual_instructions(dest.parent)}")
        os.replace(tmp, dest)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise DownloadError(f"could not download {url} ({type(exc).__name__}: {exc}); nothing was kept. "
                            f"{manual_instructions(dest.parent)}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _check_member(member: tarfile.TarInfo, archive: Path) -> None:
    """Refuse anything but plain files and folders under ``cifar-10-batches-py/``."""
    p = PurePosixPath(member.name)
    inside = not p.is_absolute() and ".." not in p.parts and p.parts[:1] == (PYTHON_FOLDER,)
    if not inside:
        raise DownloadError(f"{archive}: refused member {member.name!r}, which would land outside {PYTHON_FOLDER}/; "
                            f"the archive is not the official one, nothing was extracted")
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE):
        raise DownloadError(f"{archive}: refused member {member.name!r}, a link or special file (only plain files and "
                            f"folders are allowed); the archive is not the official one, nothing was extracted")


def _checked_members(tar: tarfile.TarFile, archive: Path, limits: ArchiveLimits) -> list[tarfile.TarInfo]:
    """The archive's members, each checked from its header before the next is read (so before any data is skipped)."""
    members: list[tarfile.TarInfo] = []
    names: set[str] = set()
    total = 0
    for member in tar:
        _check_member(member, archive)
        total += member.size
        name = PurePosixPath(member.name).as_posix()
        problem = (f"more than {limits.max_members} members" if len(members) >= limits.max_members
                   else f"member {member.name!r} of {member.size} bytes, more than {limits.max_member_bytes}"
                   if member.size > limits.max_member_bytes
                   else f"more than {limits.max_extracted_bytes} bytes in all" if total > limits.max_extracted_bytes
                   else f"member {member.name!r} twice" if name in names else None)
        if problem:
            raise DownloadError(f"{archive}: refused: {problem}; the archive is not the official one, nothing was extracted")
        names.add(name)
        members.append(member)
    return members


def _extract(archive: Path, data_dir: Path, limits: ArchiveLimits) -> Path:
    target = data_dir / PYTHON_FOLDER
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".extract-"))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = _checked_members(tar, archive, limits)
            # The "data" filter (Python >= 3.11.4) re-checks paths, links and permissions.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(staging, members=members, **safe)
        if not _complete(staging / PYTHON_FOLDER):
            raise DownloadError(f"{archive}: the archive has no complete {PYTHON_FOLDER} folder; nothing was kept")
        os.replace(staging / PYTHON_FOLDER, target)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DownloadError(f"{archive}: could not extract ({type(exc).__name__}: {exc}); nothing was kept. "
                            f"{manual_instructions(data_dir)}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _usable_archive(archive: Path, md5: str, limits: ArchiveLimits) -> bool:
    """An archive already there is used only when it is a regular file (not a link) of sane size with the right MD5."""
    try:
        st = archive.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size <= limits.max_download_bytes and file_md5(archive) == md5.lower()


def download_cifar10(data_dir: str | Path | None = None, *, url: str = OFFICIAL_URL, md5: str = OFFICIAL_MD5,
                     progress: bool = True, timeout: float = 60.0, limits: ArchiveLimits = ArchiveLimits()) -> Path:
    """Download and extract the CIFAR-10 python version into ``data_dir``.

    Parameters
    ----------
    data_dir : str or Path, optional
        Where to cache it; default :func:`~numerics.data.default_data_dir`.
        Created if needed.
    url, md5 : str
        The archive and its MD5 (the official ones by default; tests pass a
        loopback server's).
    progress : bool
        Show a tqdm progress bar.
    timeout : float
        Seconds to wait for the server at each step.
    limits : ArchiveLimits
        Caps on the download and the extraction.

    Returns
    -------
    Path
        ``data_dir / "cifar-10-batches-py"``.

    Raises
    ------
    DownloadError
        Offline, HTTP error, connection cut, MD5 mismatch, a download or archive
        over ``limits``, unsafe or corrupt archive, or an incomplete ``cifar-10-batches-py`` already in the way.
        The message says how to get the data by hand and where to put it.
    """
    data_dir = Path(default_data_dir() if data_dir is None else data_dir).expanduser()
    target = data_dir / PYTHON_FOLDER
    if _complete(target):
        return target
    if target.exists():
        raise DownloadError(f"{target} exists but is incomplete; remove it and try again. {manual_instructions(data_dir)}")
    data_dir.mkdir(parents=True, exist_ok=True)
    archive = data_dir / ARCHIVE_NAME
    if not _usable_archive(archive, md5, limits):
        _fetch(url, archive, md5, progress=progress, timeout=timeout, limit=limits.max_download_bytes)
    return _extract(archive, data_dir, limits)
