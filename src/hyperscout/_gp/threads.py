"""How many BLAS threads the GP's linear algebra runs on (one module so that importing it stays cheap)."""

from __future__ import annotations

from typing import Any

_CONTROLLER: Any = None


def one_blas_thread() -> Any:
    """A context manager that runs the enclosed linear algebra on a single BLAS thread.

    The matrices of a GP fit are small (n is at most a few hundred): BLAS threads cost more in start-up
    and contention than they save, and would compete with parallel workers.
    """
    global _CONTROLLER
    from threadpoolctl import ThreadpoolController

    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()  # inspecting the loaded libraries once is the slow part
    return _CONTROLLER.limit(limits=1, user_api="blas")
