"""``Study.trials_dataframe``: one row per trial, with the columns Optuna users expect.

States are written as Optuna writes them, upper case (``"COMPLETE"``, ``"PRUNED"``, ``"FAIL"``), so
the habit ``df[df.state == "COMPLETE"]`` selects the complete trials; ``TrialState``'s own values
are lower case, and a frame of those made that filter silently return no rows.

A constrained study (``constraints_func``) gets a ``constraints`` column by default, as in Optuna:
each trial's list of constraint values (feasible when all are <= 0), None where none were computed.

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study()
    >>> study.tell(study.ask({"x": hs.Int(1, 1)}), 1.0).number
    0
    >>> trials_dataframe(study.trials, 1, ("number", "state", "params"), False).columns.tolist()
    ['number', 'state', 'params_x']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .trial import CONSTRAINTS, FrozenTrial, is_constrained

__all__ = ["ATTRS", "DEFAULT_ATTRS", "trials_dataframe"]

#: What ``attrs`` may name: a ``FrozenTrial`` field each (``value`` means ``values`` in a multi-objective study).
ATTRS = (
    "number", "state", "value", "values", "datetime_start", "datetime_complete", "duration", "params",
    "user_attrs", "system_attrs", "intermediate_values", "error", "constraints",
)  # fmt: skip

#: The columns when ``attrs`` is not given (hyperscout's order, which tests and scripts rely on).
DEFAULT_ATTRS = (
    "number", "state", "value", "datetime_start", "datetime_complete", "duration", "params", "user_attrs", "error",
)  # fmt: skip

#: Attributes that spread over one column per key (``params_x``, or ``("params", "x")`` with a multi-index).
_GROUPS = ("params", "user_attrs", "system_attrs", "intermediate_values")


def _check_attrs(attrs: Any) -> tuple[str, ...]:
    if isinstance(attrs, str):
        raise TypeError(f"attrs must be a tuple of attribute names, got the string {attrs!r}; write ({attrs!r},)")
    try:
        out = tuple(attrs)
    except TypeError:
        raise TypeError(f"attrs must be a tuple of attribute names, got {attrs!r}") from None
    unknown = [a for a in out if a not in ATTRS]
    if unknown:
        raise ValueError(f"attrs: unknown trial attribute(s) {unknown}; choose from {list(ATTRS)}")
    return out


def trials_dataframe(
    trials: Sequence[FrozenTrial], n_objectives: int, attrs: Any = None, multi_index: bool = False
) -> Any:
    """A pandas DataFrame of ``trials`` with the columns ``attrs`` names (see ``Study.trials_dataframe``)."""
    chosen = DEFAULT_ATTRS if attrs is None else _check_attrs(attrs)
    if attrs is None and is_constrained(trials):
        chosen = (*chosen[:-1], "constraints", chosen[-1])  # before "error", as Optuna places it after the attrs
    if not isinstance(multi_index, bool):
        raise TypeError(f"multi_index must be True or False, got {multi_index!r}")
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("trials_dataframe() needs pandas: pip install pandas") from None
    # "value" of a study with several objectives is its "values"; asked for twice, it appears once.
    names = list(dict.fromkeys("values" if a == "value" and n_objectives > 1 else a for a in chosen))
    columns: list[tuple[str, str]] = []
    for name in names:
        if name == "values" and n_objectives > 1:
            columns += [("values", str(i)) for i in range(n_objectives)]
        elif name == "values":
            columns.append(("value", ""))  # one objective: the column users know is "value"
        elif name in _GROUPS:
            keys = dict.fromkeys(k for t in trials for k in getattr(t, name))
            columns += [(name, str(k)) for k in keys]
        else:
            columns.append((name, ""))
    rows = [[_cell(t, group, key, n_objectives) for group, key in columns] for t in trials]
    if multi_index:
        return pd.DataFrame(rows, columns=pd.MultiIndex.from_tuples(columns))
    return pd.DataFrame(rows, columns=[f"{group}_{key}" if key else group for group, key in columns])


def _cell(t: FrozenTrial, group: str, key: str, n_objectives: int) -> Any:
    if group == "state":
        return t.state.name
    if group == "constraints":
        return t.system_attrs.get(CONSTRAINTS)
    if group == "value":
        return t.values[0] if t.values else None
    if group == "values":
        return t.values[int(key)] if t.values else None
    if group in _GROUPS:
        mapping = getattr(t, group)
        if group == "intermediate_values":
            return mapping.get(int(key))
        return mapping.get(key)
    return getattr(t, group)
