"""FunctionGraph triggers: HTTP (APIG), OBS and timer event sources that invoke a function."""
