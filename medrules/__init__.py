"""medrules: Chinese medical-security policies as executable, cited, tested rules."""
from .engine import evaluate
from .policy import load_policy, policy_ids
from .scenario import InputError, parse_scenario

__all__ = ["evaluate", "load_policy", "policy_ids", "parse_scenario", "InputError"]
