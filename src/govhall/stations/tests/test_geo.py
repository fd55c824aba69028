from __future__ import annotations

import pytest

from govhall.stations import geo


def test_haversine_against_known_distances():
    # one degree of latitude is about 111.2 km; the Bell Tower to the Drum Tower about 350 m
    assert geo.distance_m(34.0, 108.9, 35.0, 108.9) == pytest.approx(111_195, rel=1e-3)
    assert geo.distance_m(34.2612, 108.9424, 34.2620, 108.9387) == pytest.approx(352, abs=10)
    assert geo.distance_m(34.26, 108.94, 34.26, 108.94) == 0


def test_walking_and_the_circle():
    assert geo.CIRCLE_METRES == 1200
    assert geo.walk_minutes(1) == 1 and geo.walk_minutes(800) == 10 and geo.walk_minutes(801) == 11
    assert geo.within_circle(1200) and not geo.within_circle(1201)
    assert geo.distance_text(349) == "350米" and geo.distance_text(1234) == "1.2公里"


def test_positions_are_checked():
    with pytest.raises(ValueError):
        geo.Position(91, 0)
    with pytest.raises(ValueError):
        geo.Position(float("nan"), 0)
