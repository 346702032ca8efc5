"""OBS: object storage spoken over the S3 and OBS wire protocols."""
