"""Smooth random displacement fields that make straight partition edges look surveyed.

A field maps metric points (EPSG:32648, metres) to displacements in metres. It is a sum of
plane waves with random directions, so it is smooth everywhere; its Lipschitz constant is
kept below 1, which makes ``x -> x + field(x)`` one-to-one: warped edges never cross.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WarpField:
    """Sum of plane waves ``sum_j a_j * sin(k_j . x + phase_j) * u_j`` (metres)."""

    wavevectors: _Floats  # (n, 2) radians per metre
    phases: _Floats  # (n,) radians
    amplitudes: _Floats  # (n,) metres
    directions: _Floats  # (n, 2) unit displacement vectors

    def __call__(self, xy: npt.ArrayLike) -> _Floats:
        """Displacement in metres for points ``xy`` of shape (m, 2), metric CRS."""
        xy = np.asarray(xy, dtype=float)
        waves = np.sin(xy @ self.wavevectors.T + self.phases) * self.amplitudes
        return waves @ self.directions

    def apply(self, xy: npt.ArrayLike) -> _Floats:
        """The warped points ``xy + field(xy)`` (metres)."""
        return np.asarray(xy, dtype=float) + self(xy)

    def unapply(self, xy: npt.ArrayLike, iterations: int = 6) -> _Floats:
        """Invert :meth:`apply` by fixed-point iteration (converges: Lipschitz < 1)."""
        xy = np.asarray(xy, dtype=float)
        x = xy.copy()
        for _ in range(iterations):
            x = xy - self(x)
        return x

    @property
    def lipschitz_bound(self) -> float:
        """Upper bound of the field's Lipschitz constant (dimensionless)."""
        return float(np.sum(self.amplitudes * np.linalg.norm(self.wavevectors, axis=1)))


def make_warp(
    rng: np.random.Generator,
    scales: list[tuple[float, float]],
    *,
    waves_per_scale: int = 4,
    max_lipschitz: float = 0.6,
) -> WarpField:
    """A random field with waves at each ``(amplitude_m, wavelength_m)`` scale.

    Amplitudes are shrunk if needed so that the Lipschitz bound stays below
    ``max_lipschitz`` (< 1 keeps the warp one-to-one).
    """
    kv, ph, am, dr = [], [], [], []
    for amplitude, wavelength in scales:
        for _ in range(waves_per_scale):
            theta = rng.uniform(0, 2 * np.pi)
            lam = wavelength * rng.uniform(0.7, 1.4)
            k = 2 * np.pi / lam
            kv.append((k * np.cos(theta), k * np.sin(theta)))
            ph.append(rng.uniform(0, 2 * np.pi))
            am.append(amplitude / np.sqrt(waves_per_scale) * rng.uniform(0.6, 1.2))
            phi = rng.uniform(0, 2 * np.pi)
            dr.append((np.cos(phi), np.sin(phi)))
    field = WarpField(np.array(kv), np.array(ph), np.array(am), np.array(dr))
    bound = field.lipschitz_bound
    if bound > max_lipschitz:
        field = WarpField(
            field.wavevectors,
            field.phases,
            field.amplitudes * (max_lipschitz / bound),
            field.directions,
        )
    return field
