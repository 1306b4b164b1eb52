"""The command line, `python -m medrules COMMAND` (medrules/__main__.py): one module per command group, each
turning arguments into calls of the layers below and results into lines on stdout; `stops` makes every way a
command can end (Ctrl-C, SIGTERM, a closed pipe, a full disk) one line with a known exit status.

May import every other part of medrules; nothing imports it. Kept free of imports here, so that `stops` can be in
place before the engine and pydantic load."""
