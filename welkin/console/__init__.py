"""The web console: one place to see and change storage, functions, identity and billing.

Server-rendered pages at ``/console`` on the region's own port, with a little JavaScript of
its own (uploads, test invokes). It calls the services in-process as the signed-in IAM user;
bytes to and from buckets go straight to the S3 API through presigned URLs, so they are
authorized, metered and notified exactly as any S3 client's.
"""
