"""One module per encoded policy, named after the policy ID (hyphens as underscores)."""
