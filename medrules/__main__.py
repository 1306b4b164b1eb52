import sys

from .cli import stops

stops.install()  # before the engine and pydantic load: Ctrl-C during start-up is one line too


def _main() -> int:
    from .cli.main import main
    return main()


sys.exit(stops.run(_main))
