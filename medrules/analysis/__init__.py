"""Analyses on top of the engine: a reform beside the baseline (`reform`), Zhejiang's target indicators
(`indicators`), a local scheme against the Zhejiang 2019 floors (`scheme`), one case under every claim policy
(`compare`) and the settlement audit (the `audit` package: recorded amounts against the rules).

May import medrules.tables, medrules.rules and medrules.core; nothing that presents (publish, review, cli)."""
