"""Make a thumbnail of each image uploaded under uploads/, and write it under thumbnails/.

Fired by an OBS trigger (ObjectCreated, prefix uploads/). It reads and writes the bucket
with boto3 and the temporary keys the function's agency grants (from the context), at the
Welkin endpoint the sandbox is given in OBS_ENDPOINT.

Loop guard: the thumbnail is written outside the trigger's prefix, and the handler also
refuses to work on anything under thumbnails/, so its own writes can never fire it again.
"""

import io
import os
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config
from PIL import Image

SOURCE_PREFIX = "uploads/"
OUTPUT_PREFIX = "thumbnails/"
SIZE = (128, 128)


def _obs(context, region):
    return boto3.client(
        "s3",
        endpoint_url=os.environ["OBS_ENDPOINT"],
        region_name=region,
        aws_access_key_id=context.getAccessKey(),
        aws_secret_access_key=context.getSecretKey(),
        aws_session_token=context.getSecurityToken(),
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def _thumbnail_key(key):
    stem = key[len(SOURCE_PREFIX) :] if key.startswith(SOURCE_PREFIX) else key
    return OUTPUT_PREFIX + stem.rsplit(".", 1)[0] + ".jpg"


def handler(event, context):
    log = context.getLogger()
    made = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 event keys are URL-encoded
        if key.startswith(OUTPUT_PREFIX):
            log.warn(f"skipping {key}: it is a thumbnail")
            continue
        # The function URN names the region: urn:fss:{region}:{project}:function:...
        obs = _obs(context, record.get("awsRegion") or context.invoked_function_arn.split(":")[2])
        original = obs.get_object(Bucket=bucket, Key=key)["Body"].read()
        image = Image.open(io.BytesIO(original))
        image.thumbnail(SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
        target = _thumbnail_key(key)
        obs.put_object(Bucket=bucket, Key=target, Body=out.getvalue(), ContentType="image/jpeg")
        log.info(f"{bucket}/{key} -> {bucket}/{target} ({image.width}x{image.height})")
        made.append({"source": key, "thumbnail": target, "width": image.width, "height": image.height})
    return {"thumbnails": made}
