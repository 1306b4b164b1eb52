"""Pages of the book generated from policies/, the notebooks, the tests and the engine — never typed in.

The book's Sphinx extension is `medrules.publish.book.sphinx` (listed in _config.yml under
sphinx.extra_extensions): at the start of every build it writes book/_generated/*.md (git-ignored), which
book/intro.md, book/benefits.md, book/clause-index.md and book/glossary.md include:

- policy-status.md: every policy in policies/*/policy.yaml with its dates and its status on the build date;
- benefits.md and benefit-glance.md: 待遇速查, what each layer pays for a ladder of inpatient costs;
- clause-index.md: every clause of every policy with its status, the rule that encodes it, the tests that check
  it and a link to its section on the policy page;
- glossary.md: the bilingual glossary, each term linked to the clauses that use it;
- search-words.txt: the glossary's Chinese terms, given to jieba so that the site search finds them whole.

It also keeps every page self-contained: no Thebe loader, and the widget bundle told that it lives in _static/.
Links are checked by the build (-n -W): a section link that does not resolve fails it.

The modules:

- `pages`: where things are — the table of contents, the policy pages, the section that shows each clause, and
  links to a clause (its section, else its rows in the clause index);
- `status`: a policy's status in the book — the banner that opens a policy page, the landing page's status table
  and the review counts in it (the status itself, and the status-marked names, are medrules.core.status);
- `clause_index`: the clause index, with the tests that check each clause;
- `glossary`: the bilingual glossary and the clauses that use each term;
- `comparison`: book/comparison.md's runs of the same people through every encoded policy, its table and the
  out-of-pocket curves and chart;
- `benefits`: 待遇速查, the benefit tables and the front page's glance (the illustrative inputs they share with the
  comparison are medrules.analysis.compare.CLAIM_INPUTS);
- `generated`: writing book/_generated/*.md, and the search words;
- `sphinx`: `setup(app)` and the build's hooks (the generated pages, the status banners, the doctree and page
  fixes).

`python -m medrules.publish.book` writes the generated pages without building (`__main__`).
"""
