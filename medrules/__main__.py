import sys

from . import stops

stops.install()  # before the engine and pydantic load: Ctrl-C during start-up is one line too


def _main() -> int:
    from .cli import main
    return main()


sys.exit(stops.run(_main))
