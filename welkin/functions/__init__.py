"""FunctionGraph: the function registry (functions, code, versions, aliases) and its API.

- ``models``: the domain values, ``FunctionVersionSpec`` among them (what an instance needs).
- ``service``/``versions``: the rules (``FunctionRegistry``), with IAM authorization.
- ``store``/``tables``: persistence; ``code``/``packages``: code packages on disk.
- ``fgsapi/``: the HTTP edge speaking FunctionGraph's v2 API.
"""
