"""How the command line stops: Ctrl-C, SIGTERM, a closed pipe, a full disk (also on standard output) or a file-size
limit end with one line on stderr and a known exit status, never a traceback. Imports nothing heavy, so the
handlers are in place before the engine loads; they stay until the process exits.

- Ctrl-C: 已中断 | interrupted, exit 130; SIGTERM: 已终止 | terminated, exit 143. The first signal starts the
  clean-up (`with` and `finally` blocks remove temporary files); later ones are ignored, so the clean-up finishes
  and the line is printed whatever else arrives.
- Standard output that cannot be written (a closed pipe, /dev/full, a file over `ulimit -f`, a closed descriptor):
  one line, exit 1 (EXIT_OUTPUT_FAILED). SIGXFSZ is ignored, so a file-size limit is an error a command reports
  (EFBIG) rather than a signal that kills it.
- Once the outcome is decided (the command returned or one of the above happened) both signals are ignored until
  the process exits: a signal in the last moments can neither kill the process by itself nor add a second line.
"""
from __future__ import annotations

import errno
import os
import signal
import sys

EXIT_INTERRUPTED = 130   # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143    # 128 + SIGTERM
EXIT_OUTPUT_FAILED = 1   # also a result file that could not be written (medrules.core.writes.EXIT_WRITE_FAILED)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that `with` blocks and `finally` clean up as on Ctrl-C."""


class OutputFailed(BaseException):
    """Standard output could not be written. A BaseException, so no `except Exception` on the way swallows it."""

    def __init__(self, error: OSError):
        super().__init__(error)
        self.error = error


def _stop(signum, frame):
    _quiet()   # one signal is enough: the clean-up it starts is not interrupted by the next
    raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


class _GuardedOutput:
    """Standard output whose failed writes and flushes raise OutputFailed (any errno: EPIPE, ENOSPC, EFBIG, EIO …)
    instead of an OSError that a library may report as a traceback; everything else is the stream's own."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        if self._stream is None:   # started with descriptor 1 closed
            raise OutputFailed(OSError(errno.EBADF, os.strerror(errno.EBADF)))
        try:
            return self._stream.write(text)
        except OSError as e:
            raise OutputFailed(e) from None

    def flush(self):
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as e:
            raise OutputFailed(e) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def install() -> None:
    """Ctrl-C raises KeyboardInterrupt, SIGTERM Terminated, each once; a signal the parent set to be ignored (a
    background job, nohup) stays ignored, as Python itself does for SIGINT. SIGXFSZ ignored; stdout guarded."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if not isinstance(sys.stdout, _GuardedOutput):
        sys.stdout = _GuardedOutput(sys.stdout)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass  # stderr is gone too: the exit status still tells


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush of what could not be written does
    not print an 'Exception ignored' traceback at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _both(key: str) -> str:
    """Chinese | English from the catalogue; if even that cannot load (a signal during start-up), the English."""
    try:
        from ..core.messages import text
        return f'{text(key, "zh")} | {text(key, "en")}'
    except Exception:
        return {"error.interrupted": "interrupted", "error.terminated": "terminated"}[key]


def output_failed(error: OSError) -> int:
    """One line for a result that could not be written to standard output (closed pipe, full disk, file-size
    limit); the exit status."""
    _discard_stdout()
    from ..core.messages import os_reason, reason_zh, text
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        zh, en = text("error.pipe_closed", "zh"), text("error.pipe_closed", "en")
    else:
        zh, en = reason_zh(error), os_reason(error)
    _say(f'{text("error.output_failed", "zh", reason=zh)} | {text("error.output_failed", "en", reason=en)}')
    return EXIT_OUTPUT_FAILED


def run(main) -> int:
    """main() with the signals and output failures above turned into one line and an exit status."""
    try:
        code = main()
        sys.stdout.flush()  # a full disk shows here, not as a traceback when the interpreter exits
    except KeyboardInterrupt:
        _quiet()
        _say(_both("error.interrupted"))
        code = EXIT_INTERRUPTED
    except Terminated:
        _quiet()
        _say(_both("error.terminated"))
        code = EXIT_TERMINATED
    except OutputFailed as e:
        _quiet()
        code = output_failed(e.error)
    except BrokenPipeError as e:
        _quiet()
        code = output_failed(e)
    _quiet()   # the outcome is decided: from here to the exit no signal changes it
    return code


def _quiet() -> None:
    """Ignore Ctrl-C and SIGTERM from now on: a second one while the last line is printed, or one while the
    interpreter shuts down (when Python has put the default, killing, handlers back), must change nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
