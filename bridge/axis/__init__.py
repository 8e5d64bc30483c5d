"""The interconnection axis: VXP-style HTTP client (`client`), XroadVnpt-* header signing (`signing`) and a
local simulator for tests and demos (`simulator`, imported on its own so the client stays light)."""

from bridge.axis.client import AxisAuthFailed, VxpAxisClient

__all__ = ["AxisAuthFailed", "VxpAxisClient"]
