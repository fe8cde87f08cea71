"""Provinces: kept importable from here; the one home is toolkit.vi.places."""

from .vi.places import MERGED_2025, PROVINCES, UNITS_2025, find_provinces, main_province, unit_2025

__all__ = ["PROVINCES", "MERGED_2025", "UNITS_2025", "find_provinces", "main_province", "unit_2025"]
