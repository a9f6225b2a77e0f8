"""The band facts table against satpy's own ABI reader table and DOMAIN.md's literals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from goesvfi.integrity_check.time_index import BANDS, CDN_SIZES, Sector, band_facts
from goesvfi.integrity_check.time_index.limits import abi_shape


def test_every_abi_band_has_one_row() -> None:
    assert sorted(BANDS) == list(range(1, 17))
    with pytest.raises(ValueError, match="not an ABI band"):
        band_facts(17)


@pytest.mark.parametrize(
    ("band", "kind", "km"),
    [(1, "reflective", 1), (2, "reflective", 0.5), (3, "reflective", 1), (4, "reflective", 2), (5, "reflective", 1),
     (6, "reflective", 2)] + [(b, "emissive", 2) for b in range(7, 17)],
)  # fmt: skip
def test_kind_and_resolution_are_domain_md_s(band: int, kind: str, km: float) -> None:
    facts = band_facts(band)
    assert (facts.kind, facts.resolution_km) == (kind, km)
    assert facts.reflective is (kind == "reflective")


def test_native_sizes_scale_with_resolution() -> None:
    # DOMAIN.md: CONUS 2500x1500 at 2 km, 5000x3000 at 1 km, 10000x6000 at 0.5 km; FD 5424, 10848, 21696; meso 500 ..
    assert band_facts(13).native_size(Sector.CONUS) == (2500, 1500)
    assert band_facts(1).native_size(Sector.CONUS) == (5000, 3000)
    assert band_facts(2).native_size(Sector.CONUS) == (10000, 6000)
    assert band_facts(2).native_size(Sector.FULL_DISK) == (21696, 21696)
    assert band_facts(5).native_size(Sector.FULL_DISK) == (10848, 10848)
    assert band_facts(2).native_size(Sector.MESO2) == (2000, 2000)
    assert abi_shape(Sector.CONUS, 3) == (3000, 5000)  # rows, columns


def test_cdn_sizes_are_the_same_for_every_band_and_none_for_meso() -> None:
    assert band_facts(9).cdn_sizes(Sector.CONUS)[0] == (416, 250)
    assert (1808, 1808) in band_facts(2).cdn_sizes(Sector.FULL_DISK)
    assert band_facts(13).cdn_sizes(Sector.MESO1) == ()
    assert CDN_SIZES[Sector.CONUS] == ((416, 250), (625, 375), (1250, 750), (2500, 1500), (5000, 3000))


def test_only_the_longwave_window_bands_have_star_s_table() -> None:
    assert [b for b, f in BANDS.items() if f.star_table] == [13, 14, 15]


# Each emissive band's grey range as its source publishes it: Geo2Grid (SSEC polar2grid
# etc/enhancements/abi.yaml) channel_7_default stretches 400.15 K -> 164.15 K, channel_8/9/10_default 280 K -> 180 K;
# satpy's etc/enhancements/abi.yaml highlighted_brightness_temperature (and Geo2Grid's brightness_temperature_default)
# spans min_in 163.0 .. max_in 330.0 K.
PUBLISHED_RANGES = {7: (164.15, 400.15), 8: (180.0, 280.0), 9: (180.0, 280.0), 10: (180.0, 280.0)}
PUBLISHED_RANGES |= {b: (163.0, 330.0) for b in range(11, 17)}


@pytest.mark.parametrize(("band", "kelvin"), sorted(PUBLISHED_RANGES.items()))
def test_each_emissive_band_s_range_is_its_published_one(band: int, kelvin: tuple[float, float]) -> None:
    facts = band_facts(band)
    assert facts.value_range == kelvin
    source = "channel_7_default" if band == 7 else "channel_8/9/10_default" if band <= 10 else "satpy abi.yaml"
    assert source in facts.range_source


def test_value_ranges_have_a_source() -> None:
    assert band_facts(2).value_range == (0.0, 1.0)
    assert "reflectance_default" in band_facts(2).range_source
    assert all(f.range_source and f.value_range[0] < f.value_range[1] for f in BANDS.values())
    assert len({f.range_source for f in BANDS.values()}) == 4  # no band borrows another group's range


@pytest.mark.slow
def test_the_window_bands_range_is_the_one_satpy_ships() -> None:
    satpy = pytest.importorskip("satpy")
    entry = _satpy_yaml(Path(satpy.__file__).parent / "etc" / "enhancements" / "abi.yaml")["enhancements"][
        "highlighted_brightness_temperature"
    ]
    kwargs = entry["operations"][0]["kwargs"]
    for band in range(11, 17):
        assert band_facts(band).value_range == (kwargs["min_in"], kwargs["max_in"]), band
    reflectance = _satpy_yaml(Path(satpy.__file__).parent / "etc" / "enhancements" / "generic.yaml")
    stretch = reflectance["enhancements"]["reflectance_default"]["operations"][0]["kwargs"]
    assert band_facts(1).value_range == (stretch["min_stretch"] / 100, stretch["max_stretch"] / 100)


def _satpy_yaml(path: Path) -> dict[str, Any]:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!!python", lambda loader, suffix, node: None)
    Loader.add_multi_constructor("tag:yaml.org,2002:python", lambda loader, suffix, node: None)
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=Loader)
    return loaded


@pytest.mark.slow
def test_resolution_and_wavelength_agree_with_satpy_s_reader_table() -> None:
    satpy = pytest.importorskip("satpy")
    datasets = _satpy_yaml(Path(satpy.__file__).parent / "etc" / "readers" / "abi_l1b.yaml")["datasets"]
    for band, facts in BANDS.items():
        theirs = datasets[f"C{band:02d}"]
        assert theirs["resolution"] == facts.resolution_km * 1000, band
        assert theirs["wavelength"][1] == pytest.approx(facts.wavelength_um), band
        calibrations = set(theirs["calibration"])
        assert ("reflectance" in calibrations) is facts.reflective, band
        assert ("brightness_temperature" in calibrations) is not facts.reflective, band
