"""The core: the vocabulary every other part stands on, and the engine that settles claims with it.

Exact money (`money`), one-line messages from the zh/en catalogue (`oneline`, `messages`), text laid out for a
terminal where a Chinese character is two columns wide (`textwidth`), the statuses and claim
kinds (`categories`), a policy's clauses, parameters and status (`policy`, `status`), the scenario a user writes
(`scenario`), claims as columns (`claims`), the rules' vocabulary (`rulebook`), the readings of ambiguous clauses
(`readings`) and the engine that runs a policy's rules on a table and renders the trace (`engine`).

Imports nothing else of medrules; a policy's rules module (medrules/rules/) is found by name when a claim is settled."""
