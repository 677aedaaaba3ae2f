"""Streaming a published build as one tar file, chunk by chunk, without writing it anywhere."""

import tarfile
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1 << 20


def build_tar_stream(directory: Path, names: list[str], prefix: str) -> Iterator[bytes]:
    """A POSIX tar of ``names`` (paths relative to ``directory``) under ``prefix/``.

    The header of each member is produced by ``tarfile``; the file body is read in 1 MiB chunks
    and padded to the 512-byte block size, so memory stays flat whatever the corpus size.
    """
    for name in names:
        path = directory / name
        stat = path.stat()
        info = tarfile.TarInfo(f"{prefix}/{name}")
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o644
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
        if remainder := stat.st_size % tarfile.BLOCKSIZE:
            yield b"\0" * (tarfile.BLOCKSIZE - remainder)
    yield b"\0" * (tarfile.BLOCKSIZE * 2)
