"""medrules: Chinese medical-security policies as executable, cited, tested rules."""
# The names are loaded on first use, so `python -m medrules` can set its signal handlers before the engine loads.
_EXPORTS = {"evaluate": ".engine", "load_policy": ".policy", "policy_ids": ".policy",
            "parse_scenario": ".scenario", "InputError": ".scenario"}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'medrules' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
