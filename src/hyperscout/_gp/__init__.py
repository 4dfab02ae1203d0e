"""Gaussian-process numerics: pure functions over arrays in the unit cube; nothing here knows studies.

``kernel`` (Matérn-5/2 over mixed inputs), ``gp`` (marginal likelihood, MAP fit, posterior),
``acquisition`` (log EI, UCB, log PI), ``optim`` (acquisition maximisation), ``threads`` (one BLAS thread).
"""
