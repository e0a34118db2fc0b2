"""Honest odds (recommender/calibration.py): isotonic calibration of scores into the chance of a like."""

import numpy as np
import pytest

from recommender.balse import BALSE
from recommender.calibration import (
    Calibrator,
    calibration_protocol,
    expected_calibration_error,
    reliability_curve,
)
from recommender.datasets import load_anime


def test_it_recovers_planted_odds_and_measures_them_calibrated():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 2, 40_000)
    truth = 1 / (1 + np.exp(-(scores - 1)))  # the planted chance of a like at each score
    liked = rng.random(scores.size) < truth
    calibrator = Calibrator().fit(scores[:20_000], liked[:20_000])
    odds = calibrator.predict(scores[20_000:])
    assert np.abs(odds - truth[20_000:]).mean() < 0.03
    assert expected_calibration_error(odds, liked[20_000:]) < 0.02
    # The raw sigmoid of the scores, shifted by one, is not calibrated: the measure says so.
    assert expected_calibration_error(1 / (1 + np.exp(-scores[20_000:])), liked[20_000:]) > 0.1
    # Higher scores never mean lower odds; a work the model cannot score has no odds.
    grid = calibrator.predict(np.linspace(-6, 6, 50))
    assert (np.diff(grid) >= 0).all()
    assert np.isnan(calibrator.predict(np.array([-np.inf]))[0])


def test_steps_round_trip_and_bad_steps_are_refused():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=500)
    fitted = Calibrator().fit(scores, rng.random(500) < 0.5)
    again = Calibrator.from_steps(fitted.thresholds.tolist(), fitted.odds.tolist())
    np.testing.assert_array_equal(again.predict(scores), fitted.predict(scores))
    with pytest.raises(ValueError):
        Calibrator.from_steps([0.0, 1.0], [0.5])
    with pytest.raises(ValueError, match="not fitted"):
        Calibrator().predict(scores)


def test_the_reliability_curve_counts_every_finite_prediction_once():
    odds = np.array([0.05, 0.15, 0.15, 0.95, np.nan])
    liked = np.array([0, 1, 0, 1, 1])
    curve = reliability_curve(odds, liked)
    assert [point["count"] for point in curve] == [1, 2, 1]
    assert curve[1]["liked"] == 0.5 and curve[-1]["high"] == 1.0
    assert expected_calibration_error(odds, liked) == pytest.approx((0.05 * 1 + 0.35 * 2 + 0.05 * 1) / 4)


def test_the_protocol_calibrates_a_real_rating_model_on_held_out_ratings():
    data = load_anime("anime-small")
    report = calibration_protocol(BALSE, data.X, data.y, item_tags=data.item_tags)
    assert report.n_fit > 500 and report.n_measured > 500
    assert 0.3 < report.base_rate < 0.9
    assert report.ece < 0.05  # on 150 people; the full data is measured in bench.library_calibration
    # Better than saying the base rate to everyone (the Brier score of a constant).
    assert report.brier < report.base_rate * (1 - report.base_rate)
