"""Object storage pages: buckets, the folder-style browser, object details, presigned transfers.

GET  /console/obs                          buckets (obs_buckets)
POST /console/obs                          create a bucket
POST /console/obs/{bucket}/versioning      enable or suspend versioning
POST /console/obs/{bucket}/visibility      private or public-read
POST /console/obs/{bucket}/delete          delete an empty bucket
GET  /console/obs/{bucket}?prefix=&after=  one page of folders and objects (obs_browser)
GET  /console/obs/{bucket}/object?key=     an object's details and versions
GET  /console/obs/{bucket}/download?key=   off to a presigned GET
POST /console/obs/{bucket}/object/delete   delete an object or one version
POST /console/api/obs/sign                 presigned URLs for upload.js (obs_signing)
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from welkin.console import obs_browser, obs_buckets
from welkin.console.context import Console, SignedIn, own_origin
from welkin.console.obs_access import own_bucket
from welkin.console.obs_signing import Presigner, SignRequest
from welkin.core.body import Body


def routes(console: Console) -> list[BaseRoute]:
    presigner = Presigner(console.region.iam.keys, console.region.settings.region)

    async def sign(request: Request, signed: SignedIn, body: Body) -> Response:
        """URLs the page's JavaScript sends bytes with; the S3 edge authorizes each when used."""
        wanted = SignRequest.from_body(body)
        await own_bucket(console, signed, wanted.bucket)
        origin = own_origin(request)
        result = presigner.sign(signed.principal, origin, wanted)
        answer: dict[str, Any] = {"method": result.method, "expires_in": result.expires_in}
        if wanted.part_numbers:
            answer["urls"] = {str(n): url for n, url in zip(wanted.part_numbers, result.urls, strict=True)}
        else:
            answer["url"] = result.urls[0]
        if wanted.operation == "GetObject":
            answer["link"] = origin + result.urls[0]  # to hand to someone else
        return JSONResponse(answer)

    return [
        *obs_buckets.routes(console),
        *obs_browser.routes(console, presigner),
        console.api("/console/api/obs/sign", sign, "PresignObjectUrl"),
    ]
