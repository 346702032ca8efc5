"""Price catalog text for servers that a test bills: what it prices itself, plus OBS free."""

from __future__ import annotations

OBS_UNITS = {
    "obs_storage_standard": "GB-hour",
    "obs_requests_write": "request",
    "obs_requests_read": "request",
    "obs_traffic_out": "GB",
}


def free_obs() -> str:
    """Every OBS usage type at no charge: a catalog must price all that Welkin meters."""
    return "".join(
        f'\n[[price]]\nusage_type = "{usage_type}"\nservice_type = "hws.service.type.obs"\n'
        f'resource_type = "hws.resource.type.obs"\nunit = "{unit}"\nprice = "0"\n'
        "effective_from = 2020-01-01T00:00:00Z\n"
        for usage_type, unit in OBS_UNITS.items()
    )
