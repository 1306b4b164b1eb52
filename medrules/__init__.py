"""medrules: Chinese medical-security policies as executable, cited, tested rules."""
# The names are loaded on first use, so `python -m medrules` can set its signal handlers before the engine loads.
_EXPORTS = {"evaluate": ".core.result", "load_policy": ".core.policy", "policy_ids": ".core.policy",
            "parse_scenario": ".core.scenario", "InputError": ".core.scenario"}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'medrules' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
