"""The machinery behind ``hyperscout.sklearn``; not public API.

``space`` turns a scikit-learn search space into distributions the study can store (and checks it
against the estimator before anything is fitted); ``folds`` fits and scores candidates fold by fold,
prunes them, builds ``cv_results_`` and resumes an interrupted search from its study. Import the
public classes from ``hyperscout.sklearn``, which names the missing extra when scikit-learn is absent.
"""
