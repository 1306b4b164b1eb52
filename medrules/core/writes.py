"""Results written whole or not at all, and a write that fails said in one line.

Every file a command writes (batch's and reform's results, a chart, the review ledger and its snapshots, the review
page) goes to a unique temporary file beside its target and is renamed into place only when complete
(`write_together`); when anything fails — a full disk, a file-size limit (`ulimit -f`), a read-only mount, no
permission — the temporary files are removed and `WriteFailed` names the target and the cause. The command line
prints it as one line and exits with EXIT_WRITE_FAILED (1), as it does for a full or closed standard output.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

EXIT_WRITE_FAILED = 1


class WriteFailed(Exception):
    """A file (or standard output) that could not be written: `path`, the OSError, and the line to print."""

    def __init__(self, path, error: BaseException):
        from .messages import os_reason, reason_zh, text
        from .oneline import cut, one_line
        self.path, self.error = str(path), error
        where = cut(self.path, 300)
        self.zh = text("error.write_failed", "zh", path=where, reason=reason_zh(error))
        self.en = text("error.write_failed", "en", path=where, reason=os_reason(error))
        super().__init__(self.en)
        self.line = one_line(f"{self.zh} | {self.en}")


def write_together(files) -> None:
    """Write each (write(temporary path), target path) to a temporary file beside its target, then rename them all
    into place, so that no half-written file and no result without its partner is ever left; on any failure the
    temporary files are removed, and an OSError becomes WriteFailed naming the target being written."""
    temps: list[str] = []
    target = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        for write, path in files:
            target = Path(path)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            os.close(fd)
            temps.append(tmp)
            os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
            write(tmp)
        for tmp, (_, path) in zip(temps, files):
            target = Path(path)
            os.replace(tmp, path)
    except OSError as e:
        _remove(temps)
        raise WriteFailed(target, e) from None
    except BaseException:
        _remove(temps)
        raise


def _remove(temps) -> None:
    for tmp in temps:
        try:
            Path(tmp).unlink(missing_ok=True)
        except OSError:
            pass   # a read-only folder: nothing was written there either
