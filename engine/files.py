"""Writing files so that a failure never costs the previous version: `write_atomic`.

Every file chainrule writes (a model, a picture, an SVG or DOT file, an HTML page) goes
through here. The bytes go to a temporary file in the same folder, are flushed to disk,
and only then take the target's name with `os.replace`, which is atomic on POSIX and
Windows: a reader sees the old file or the new one, never half of one. If anything fails
on the way (a full disk, a crash, Ctrl-C), the temporary file is removed and the old file
is untouched.
"""

from __future__ import annotations

import errno
import os
import tempfile

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Replace the file at `path` with `content` (str is written as UTF-8), all or nothing.

    The folder must exist. A new file gets the usual permissions (0o666 less the umask);
    an existing file keeps its own. A symbolic link stays a link: the file it points to
    (at the end of a chain of links) is the one replaced, as `open(path, "w")` would
    write through it.
    """
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    target = os.fspath(path)
    if os.path.islink(target):
        # os.replace would put the new file in place of the link itself
        link = target
        target = os.path.realpath(link)
        if os.path.islink(target):  # realpath stops where links go round in a circle
            raise OSError(errno.ELOOP, "Too many levels of symbolic links", link)
    folder = os.path.dirname(target) or "."
    if os.path.isdir(target):
        raise IsADirectoryError(21, "Is a directory", target)
    mode = _mode_for(target)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _mode_for(target: str) -> int:
    """The permission bits the file should end with: its own, or 0o666 less the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
