"""A timer job that counts its own runs in an OBS object: state lives in OBS, not in the instance.

Environment: BUCKET (required), COUNTER_KEY (default counter.json). Fired by a timer
trigger; the trigger's user event is kept with the count.
"""

import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def _obs(context):
    # The function URN names the region: urn:fss:{region}:{project}:function:...
    return boto3.client(
        "s3",
        endpoint_url=os.environ["OBS_ENDPOINT"],
        region_name=context.invoked_function_arn.split(":")[2],
        aws_access_key_id=context.getAccessKey(),
        aws_secret_access_key=context.getSecretKey(),
        aws_session_token=context.getSecurityToken(),
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def handler(event, context):
    bucket = context.getUserData("BUCKET")
    key = context.getUserData("COUNTER_KEY") or "counter.json"
    obs = _obs(context)
    try:
        state = json.loads(obs.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchKey":
            raise
        state = {"count": 0}
    event = event if isinstance(event, dict) else {}
    state = {
        "count": state["count"] + 1,
        "last_tick": event.get("time", ""),
        "user_event": event.get("user_event", ""),
    }
    obs.put_object(Bucket=bucket, Key=key, Body=json.dumps(state).encode(), ContentType="application/json")
    context.getLogger().info(f"tick {state['count']}")
    return state
