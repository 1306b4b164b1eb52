"""What readers see: the book's Sphinx extension and generated pages (`book`), the notebooks' tables and clause
boxes (`report`), the casebooks run case by case with their figures (`casebook`), charts, the audit's workbook, chart
and book tables (`audit_files`), the re-execution of pages
whose inputs changed (`notebook_inputs`) and the workshop's dashboards (the `widgets` package).

May import medrules.analysis, medrules.tables, medrules.rules and medrules.core; not review or cli."""
