# Two commands do everything: `make book` builds the site, `make test` runs every check.
# Both create the virtual environment and install what they need on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

BUILD := jupyter-book build -W -n --keep-going .

.PHONY: book test setup clean notebooks pdf

setup: $(STAMP)

# Every Python package comes from requirements.lock (generated from requirements.txt with hashes, see README
# "Pinned dependencies"): pip refuses anything unpinned or whose file does not match. The venv's own pip is used
# as it is (no upgrade: an unpinned pip would be the one package fetched without a hash). The package itself is
# installed last without dependencies, built with the locked setuptools (no isolated, unpinned build environment).
$(STAMP): requirements.lock pyproject.toml scripts/*.sh scripts/js/package-lock.json
	@test -x $(PY) || python3.11 -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	scripts/setup-system.sh
	scripts/setup-browser.sh
	scripts/setup-js.sh
	@touch $(STAMP)

# The site and its PDFs: every page's 下载 PDF line links a PDF in the site, so the book is not built without them.
book: $(STAMP)
	$(BUILD)
	$(PY) scripts/make_pdf.py
	@echo "The book is at $(CURDIR)/_build/html/index.html (PDFs in $(CURDIR)/_build/pdf/)"

# A 中文 and a 中英双语 A4 PDF per policy page and for the whole book (_build/pdf/, and _build/html/pdf/ where each
# page links them), printed offline by the tests' Chromium.
pdf: book

test: $(STAMP)
	$(PY) scripts/clean_notebooks.py --check notebooks/*.ipynb
	yamllint -s .                                               # every YAML file (.yamllint)
	$(PY) -m pytest tests --nbval notebooks -q --ignore=tests/test_book_browser.py
	$(BUILD)
	MEDRULES_BOOK_BUILT=1 $(PY) -m pytest tests/test_book_browser.py -q   # the built site in headless Chromium

# After a reviewed change to a rule: regenerate the notebooks from their text twins and re-execute them.
# The diff of the stored outputs is then the change in results, to be explained in the commit message.
notebooks: $(STAMP)
	for f in notebooks/*.py; do jupytext --to ipynb --update "$$f" -q && jupyter execute --inplace "$${f%.py}.ipynb" && $(PY) scripts/clean_notebooks.py "$${f%.py}.ipynb"; done

# Review ledger (reviews/*.yaml): add draft entries for new clauses, then print the figures per policy.
# "with examples" is measured by the last full test run (make test); see README "Review workflow".
.PHONY: review
review: $(STAMP)
	$(PY) -m medrules review sync
	$(PY) -m medrules review status

# Workshop mode: JupyterLab with the notebooks and a Voilà dashboard per policy on 127.0.0.1, offline; prints the
# addresses. WORKSHOP_PORT=8866 by default; Ctrl-C stops it. See README "Workshop mode".
.PHONY: workshop
workshop: $(STAMP)
	scripts/workshop.sh

clean:
	rm -rf _build
