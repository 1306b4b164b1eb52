"""One module per encoded policy, named after the policy ID (hyphens as underscores): each rule written once on the
columns of medrules.core.rulebook, citing its clause; numbers come from policies/<id>/parameters.yaml.

May import medrules.core only; the engine finds a policy's module by name when it settles claims."""
