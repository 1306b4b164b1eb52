"""How the command line stops: Ctrl-C, SIGTERM, a closed pipe or a full disk end with one line on stderr and a
known exit status, never a traceback. Imports nothing heavy, so the handlers are in place before the engine loads."""
from __future__ import annotations

import errno
import os
import signal
import sys

EXIT_INTERRUPTED = 130   # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143    # 128 + SIGTERM
EXIT_OUTPUT_FAILED = 1


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that `with` blocks and `finally` clean up as on Ctrl-C."""


def _raise_terminated(signum, frame):
    raise Terminated()


def install() -> None:
    """Ctrl-C raises KeyboardInterrupt, SIGTERM Terminated; a signal the parent set to be ignored (a background job,
    nohup) stays ignored, as Python itself does for SIGINT."""
    for signum, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, _raise_terminated)):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, handler)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass  # stderr is gone too: the exit status still tells


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush of what could not be written does
    not print an 'Exception ignored' traceback at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _both(key: str) -> str:
    """Chinese | English from the catalogue; if even that cannot load (a signal during start-up), the English."""
    try:
        from ..core.messages import text
        return f'{text(key, "zh")} | {text(key, "en")}'
    except Exception:
        return {"error.interrupted": "interrupted", "error.terminated": "terminated"}[key]


def output_failed(error: OSError) -> int:
    """One line for a result that could not be written (closed pipe, full disk); the exit status."""
    _discard_stdout()
    from ..core.messages import text
    if isinstance(error, BrokenPipeError):
        reason_zh, reason = text("error.pipe_closed", "zh"), text("error.pipe_closed", "en")
    else:
        reason = reason_zh = error.strerror or str(error)
        if error.errno == errno.ENOSPC:
            reason_zh = text("error.disk_full", "zh")
    _say(f'{text("error.output_failed", "zh", reason=reason_zh)} | {text("error.output_failed", "en", reason=reason)}')
    return EXIT_OUTPUT_FAILED


def run(main) -> int:
    """main() with the signals and output failures above turned into one line and an exit status."""
    try:
        code = main()
    except KeyboardInterrupt:
        _quiet()
        _say(_both("error.interrupted"))
        return EXIT_INTERRUPTED
    except Terminated:
        _quiet()
        _say(_both("error.terminated"))
        return EXIT_TERMINATED
    except BrokenPipeError as e:
        return output_failed(e)
    try:
        sys.stdout.flush()  # a full disk shows here, not as a traceback when the interpreter exits
    except OSError as e:
        return output_failed(e)
    return code


def _quiet() -> None:
    """A second Ctrl-C or SIGTERM while the last line is printed must not add a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
