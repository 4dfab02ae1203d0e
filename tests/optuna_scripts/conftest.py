"""The files here are Optuna scripts run by tests/test_optuna_scripts.py, not test modules to collect."""

collect_ignore_glob = ["*.py"]
