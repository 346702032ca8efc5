"""Object storage: OBS's and S3's bucket and object API."""
