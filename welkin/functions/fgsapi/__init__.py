"""FunctionGraph's v2 management API (``/v2/{project_id}/fgs/...``): parse, call the registry, render."""
