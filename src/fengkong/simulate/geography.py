"""Cities used by the simulator (coordinates of city centres)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str
    lat: float
    lon: float
    country: str = "CN"


DOMESTIC = (
    City("Beijing", 39.9042, 116.4074),
    City("Shanghai", 31.2304, 121.4737),
    City("Guangzhou", 23.1291, 113.2644),
    City("Shenzhen", 22.5431, 114.0579),
    City("Chengdu", 30.5728, 104.0668),
    City("Hangzhou", 30.2741, 120.1551),
    City("Wuhan", 30.5928, 114.3055),
    City("Xi'an", 34.3416, 108.9398),
    City("Nanjing", 32.0603, 118.7969),
    City("Chongqing", 29.5630, 106.5516),
    City("Tianjin", 39.3434, 117.3616),
    City("Shenyang", 41.8057, 123.4315),
    City("Harbin", 45.8038, 126.5350),
    City("Kunming", 24.8801, 102.8329),
)
MACAU = City("Macau", 22.1987, 113.5439, "MO")
HONG_KONG = City("Hong Kong", 22.3193, 114.1694, "HK")
