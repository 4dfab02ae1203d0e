"""Plots of a study, each a function of the study that returns a plotly figure.

Needs plotly (``pip install -e ".[viz]"``); the importance plot also needs scikit-learn
(``hyperscout[sklearn]``). Every plot handles failed, pruned and running trials, log-scaled and
categorical parameters, and studies with no or a single complete trial (then the figure has no
data and says why, rather than raising).

=============================  ==============================================================
``plot_optimization_history``  each complete trial's value by number, and the best so far
``plot_slice``                 the value against each parameter, one panel per parameter
``plot_contour``               the value over pairs of parameters, interpolated
``plot_parallel_coordinate``   each trial as a line through the value and the parameters
``plot_param_importances``     each parameter's share of the variance (fANOVA)
``plot_intermediate_values``   learning curves of the trials, by state
``plot_edf``                   the empirical distribution of the values (compares studies)
``plot_timeline``              when each trial ran, one row per worker
``plot_rank``                  the trials over pairs of parameters, coloured by the rank of the value
``plot_pareto_front``          several objectives: the trials in objective space, the front marked
``plot_hypervolume_history``   several objectives: the hypervolume of the trials so far
=============================  ==============================================================

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.visualization import plot_optimization_history
    >>> study = hs.create_study(seed=0)
    >>> study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 1) ** 2, n_trials=8, show_progress_bar=False)
    >>> fig = plot_optimization_history(study)
    >>> fig.write_html("history.html")  # doctest: +SKIP
"""

from __future__ import annotations

from ._contour import plot_contour
from ._edf import plot_edf
from ._history import plot_optimization_history
from ._importance import plot_param_importances
from ._intermediate import plot_intermediate_values
from ._parallel import plot_parallel_coordinate
from ._pareto import plot_hypervolume_history, plot_pareto_front
from ._rank import plot_rank
from ._slice import plot_slice
from ._timeline import plot_timeline

__all__ = [
    "plot_optimization_history",
    "plot_slice",
    "plot_contour",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_intermediate_values",
    "plot_edf",
    "plot_timeline",
    "plot_rank",
    "plot_pareto_front",
    "plot_hypervolume_history",
]
