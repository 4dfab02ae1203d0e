"""``hyperscout.testing.storages``: our backends through the public helper, and a broken one caught."""

from __future__ import annotations

import pytest

from hyperscout.storages import Event, InMemoryStorage, JournalFileStorage
from hyperscout.testing import parametrize_storage_checks
from hyperscout.testing import storages as contract


@parametrize_storage_checks(
    {"memory": lambda folder: InMemoryStorage(), "journal": lambda folder: JournalFileStorage(folder / "log")}
)
def test_backends_pass_through_the_public_helper(make, check, tmp_path) -> None:
    storage = make(tmp_path)
    try:
        check(storage)
    finally:
        storage.close()


class ForgetsPositions(InMemoryStorage):
    """Breaks the contract: every read starts from the beginning of the log."""

    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        return super().read(study_id, 0)


def test_a_storage_that_breaks_the_contract_fails() -> None:
    with pytest.raises(AssertionError):
        contract.check_incremental_read(ForgetsPositions())
