"""What every rating model shares: hyperparameter introspection and `.npz` persistence.

Follows scikit-learn's conventions: `__init__` only stores hyperparameters, `fit` returns
`self`, learned state ends in `_`. Subclasses list the learned attributes to persist in
`_saved_arrays` (numpy arrays) and `_saved_scalars` (floats).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from recommender.persistence import PathOrFile, load_arrays, save_arrays


class NotFittedError(RuntimeError):
    """Raised when a model is used before `fit` (or `load`)."""


class RatingModel:
    """Base class of Baseline, ALS, LASSO and BALSE."""

    _saved_arrays: tuple[str, ...] = ()
    _saved_scalars: tuple[str, ...] = ()

    def get_params(self) -> dict[str, Any]:
        """Hyperparameters, as given to `__init__`."""
        names = [name for name in inspect.signature(type(self).__init__).parameters if name != "self"]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit() or load()")

    def _to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {name: np.asarray(getattr(self, name)) for name in self._saved_arrays}
        arrays.update({name: np.asarray(float(getattr(self, name))) for name in self._saved_scalars})
        return arrays

    def _from_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        for name in self._saved_arrays:
            setattr(self, name, arrays[name])
        for name in self._saved_scalars:
            setattr(self, name, float(arrays[name]))

    def save(self, destination: PathOrFile) -> None:
        """Write the fitted model to a `.npz` path or a binary file object (no pickle)."""
        self._check_fitted()
        save_arrays(destination, type(self).__name__, self.get_params(), self._to_arrays())

    @classmethod
    def load(cls, source: PathOrFile):
        """Read a model written by `save` from a path or a binary file object."""
        params, arrays = load_arrays(source, cls.__name__)
        model = cls(**params)
        model._from_arrays(arrays)
        return model
