"""The order of a policy's layers, as its text says it: which layers each layer's base is taken after.

policies/<id>/layers.yaml, one entry per layer, each citing the clause and quoting the words its place rests on:

    layers:
      further_relief:
        after: [basic_insurance, critical_illness_insurance, medical_assistance]
        clause: shandong-2022-major-illness/5
        quote: After the above-mentioned rescue objects are guaranteed by the triple system
      supplementary_insurance:
        after: {reading: <policy>/<clause>:<name>, options: {<option>: [...], ...}}   # where the text leaves it open
        ...

Each layer settles what the layers before it left, so the entries must form one chain: each layer's `after` is
exactly the layers placed before it. The engine settles in that order (medrules.core.engine.run); a policy without
the file settles the statutory chain of medrules.core.rulebook.LAYERS.
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .policy import POLICIES_DIR, PolicyError, read_yaml
from .rulebook import LAYERS


class ByReading(BaseModel):
    """A place the text leaves open: the layers before this one under each option of a reading."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    reading: str
    options: dict[str, list[str]]


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    after: list[str] | ByReading
    clause: str
    quote: str = Field(min_length=1)


class LayerOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    layers: dict[str, Place]


@lru_cache(maxsize=None)
def layer_order(policy_id: str) -> LayerOrder | None:
    """The policy's layers.yaml, checked: every layer of LAYERS placed, each after list naming layers only."""
    path = POLICIES_DIR / policy_id / "layers.yaml"
    if not path.exists():
        return None
    try:
        order = LayerOrder.model_validate(read_yaml(path))
    except ValidationError as e:
        raise PolicyError("error.layers_file", path=f"policies/{policy_id}/layers.yaml",
                          reason=e.errors()[0]["msg"]) from None
    if set(order.layers) != set(LAYERS):
        raise PolicyError("error.layers_file", path=f"policies/{policy_id}/layers.yaml",
                          reason=f"place each of {', '.join(LAYERS)} once")
    for option_after in _every_after(order):
        _chain(policy_id, option_after)
    return order


def _every_after(order: LayerOrder) -> list[dict]:
    """The `after` of every layer under each combination of the readings the file names."""
    choices = {p.after.reading: list(p.after.options) for p in order.layers.values() if isinstance(p.after, ByReading)}
    combos = [{}]
    for reading, options in choices.items():
        combos = [{**c, reading: o} for c in combos for o in options]
    return [{name: after_of(p, combo) for name, p in order.layers.items()} for combo in combos]


def after_of(place: Place, readings: dict) -> list[str]:
    if isinstance(place.after, ByReading):
        return place.after.options[readings[place.after.reading]]
    return place.after


def _chain(policy_id: str, after: dict) -> list[str]:
    """The layers in settling order, each after exactly the ones before it (else the file contradicts itself)."""
    order = sorted(after, key=lambda name: len(after[name]))
    for k, name in enumerate(order):
        if set(after[name]) != set(order[:k]):
            raise PolicyError("error.layers_not_a_chain", path=f"policies/{policy_id}/layers.yaml", layer=name,
                              after=", ".join(after[name]) or "—", before=", ".join(order[:k]) or "—")
    return order


def settle_order(policy_id: str, readings: dict) -> list[str]:
    """The policy's layers in the order money is settled under the chosen readings."""
    order = layer_order(policy_id)
    if order is None:
        return list(LAYERS)
    return _chain(policy_id, {name: after_of(p, readings) for name, p in order.layers.items()})


def places(policy_id: str, readings: dict) -> list[tuple[str, Place]]:
    """(layer, its place in the text) in settling order: what the policy page draws."""
    order = layer_order(policy_id)
    return [(name, order.layers[name]) for name in settle_order(policy_id, readings)] if order else []


__all__ = ["LayerOrder", "Place", "layer_order", "places", "settle_order", "after_of"]
