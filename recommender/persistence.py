"""Saving fitted models as plain `.npz` archives (no pickle).

An archive holds the model's learned arrays, its hyperparameters as a JSON string and a
format version, so that a model saved by one release is refused, with a clear message, by an
incompatible one. Both paths and binary file objects (e.g. `io.BytesIO`, Django storage
files) are accepted.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

import numpy as np

FORMAT_VERSION = 1

PathOrFile = str | os.PathLike | IO[bytes]


def save_arrays(destination: PathOrFile, model_class: str, params: dict[str, Any], arrays: dict) -> None:
    """Write `arrays` plus the model's class name and hyperparameters to an `.npz` archive."""
    payload = {key: np.asarray(value) for key, value in arrays.items()}
    for key, value in payload.items():
        if value.dtype == object:
            raise TypeError(f"array {key!r} has dtype object and cannot be saved without pickle")
    payload["__model_class__"] = np.array(model_class)
    payload["__params__"] = np.array(json.dumps(params, sort_keys=True))
    payload["__format_version__"] = np.array(FORMAT_VERSION)
    if isinstance(destination, (str, os.PathLike)):
        with open(destination, "wb") as handle:
            np.savez(handle, **payload)
    else:
        np.savez(destination, **payload)


def load_arrays(source: PathOrFile, expected_class: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read an archive written by `save_arrays`; return (hyperparameters, arrays)."""
    with np.load(source, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    version = int(arrays.pop("__format_version__", -1))
    if version != FORMAT_VERSION:
        raise ValueError(
            f"model archive has format version {version}; this code reads version {FORMAT_VERSION}"
        )
    model_class = str(arrays.pop("__model_class__"))
    if model_class != expected_class:
        raise ValueError(f"model archive holds a {model_class}, not a {expected_class}")
    params = json.loads(str(arrays.pop("__params__")))
    return params, arrays


def prefixed(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Namespace a sub-model's arrays inside a parent archive."""
    return {f"{prefix}{key}": value for key, value in arrays.items()}


def unprefixed(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays of one sub-model, keys stripped of the prefix."""
    return {key[len(prefix) :]: value for key, value in arrays.items() if key.startswith(prefix)}
