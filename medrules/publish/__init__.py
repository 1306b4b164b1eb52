"""What readers see: the book's Sphinx extension and generated pages (`book`), the notebooks' tables and clause
boxes (`report`), charts, the re-execution of pages whose inputs changed (`notebook_inputs`) and the workshop's
dashboards (`widgets`).

May import medrules.analysis, medrules.tables, medrules.rules and medrules.core; not review or cli."""
