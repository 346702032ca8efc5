"""``welkin obs``: buckets and objects over the S3 protocol, with ``mc``-style paths."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from welkin.cli.config import profile_name, profile_names
from welkin.cli.obs_listing import delete_tree
from welkin.cli.obs_paths import PathError, RemotePath, parse, remote
from welkin.cli.obs_progress import transfer_progress
from welkin.cli.obs_queries import bucket_rows, expires_seconds, object_rows, stat_bucket, stat_object
from welkin.cli.obs_session import S3Clients, s3_errors
from welkin.cli.obs_transfer import Transfer, Transferer, plan_copy, plan_sync
from welkin.cli.output import (
    REFUSED,
    USAGE,
    Format,
    OutputOpt,
    emit_done,
    emit_list,
    emit_object,
    fail,
    handled,
)

app = typer.Typer(
    help="""Object storage (OBS) over S3: buckets and objects.

\b
Paths: ALIAS/BUCKET/KEY is remote when ALIAS is a profile name in the config file
(see `welkin login --profile`), e.g. default/photos/2025/a.jpg; anything else is a local
path. Write ./NAME for a local file named like a profile. A key ending in / is a "directory".""",
    no_args_is_help=True,
    rich_markup_mode=None,
)


_TRANSFER_COLUMNS = ("action", "source", "destination", "size")

RecursiveOpt = Annotated[bool, typer.Option("--recursive", "-r", help="Everything below the path.")]
ProgressOpt = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar on stderr.  [default: on a terminal]"),
]


@contextmanager
def _handled() -> Iterator[None]:
    try:
        with handled():
            yield
    except PathError as exc:
        raise fail(str(exc), USAGE) from None
    except OSError as exc:
        raise fail(f"{exc.filename or ''}: {exc.strerror or exc}", REFUSED) from None


def _aliases() -> list[str]:
    return profile_names()


def _remote(text: str, need_bucket: bool = True) -> RemotePath:
    return remote(text, _aliases(), need_bucket)


def _transfer_all(jobs: list[Transfer], progress: bool | None, action: str) -> list[dict[str, Any]]:
    clients = S3Clients()
    rows = []
    with transfer_progress(progress) as bars:
        mover = Transferer(clients, bars)
        for job in jobs:
            mover.copy(job)
            rows.append(job.row(action))
    return rows


@app.command("mb")
def make_bucket(
    path: Annotated[str, typer.Argument(help="ALIAS/BUCKET")], output: OutputOpt = Format.table
) -> None:
    """Make a bucket in the alias's region.

    \b
    Examples:
      1. welkin obs mb default/photos
      2. welkin obs mb acme/logs -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. the name is taken); 2 usage error (bad path
      or alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        bucket = _remote(path)
        if bucket.key:
            raise PathError(f"{path!r}: a bucket path is ALIAS/BUCKET, with no key")
        clients = S3Clients()
        region = clients.region(bucket.alias)
        with s3_errors(str(bucket)):
            # S3 spells the default region by leaving the constraint out.
            where = (
                {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            )
            clients.get(bucket.alias).create_bucket(Bucket=bucket.bucket, **where)
    emit_done(f"Bucket {bucket} created.", output, bucket=bucket.bucket, region=region)


@app.command("rb")
def remove_bucket(
    path: Annotated[str, typer.Argument(help="ALIAS/BUCKET")],
    force: Annotated[bool, typer.Option("--force", help="Delete the objects in it first.")] = False,
    output: OutputOpt = Format.table,
) -> None:
    """Remove a bucket; it must be empty unless --force is given.

    \b
    Examples:
      1. welkin obs rb default/photos
      2. welkin obs rb default/scratch --force

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. not empty, no such bucket); 2 usage error
      (bad path or alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        named = _remote(path)
        bucket = RemotePath(named.alias, named.bucket)
        clients = S3Clients()
        removed = delete_tree(clients, bucket) if force else []
        with s3_errors(str(bucket)):
            clients.get(bucket.alias).delete_bucket(Bucket=bucket.bucket)
    emit_done(f"Bucket {bucket} removed.", output, bucket=bucket.bucket, objects_deleted=len(removed))


@app.command("ls")
def list_paths(
    path: Annotated[str | None, typer.Argument(help="ALIAS, ALIAS/BUCKET or ALIAS/BUCKET/PREFIX")] = None,
    recursive: RecursiveOpt = False,
    output: OutputOpt = Format.table,
) -> None:
    """List buckets (ALIAS), or objects and "directories" below a prefix (ALIAS/BUCKET[/PREFIX]).

    Without -r, keys are grouped at the next / (like `aws s3 ls`); with -r every key is listed.

    \b
    Examples:
      1. welkin obs ls
      2. welkin obs ls default/photos
      3. welkin obs ls default/photos/2025/ -r -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such bucket); 2 usage error (bad path
      or alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        where = _remote(path or profile_name(None), need_bucket=False)
        clients = S3Clients()
        if not where.bucket:
            emit_list(bucket_rows(clients, where.alias), ("name", "created"), output)
            return
        rows = object_rows(clients, where, recursive)
    emit_list(rows, ("type", "size", "last_modified", "key"), output)


@app.command("cp")
def copy(
    source: Annotated[str, typer.Argument(help="A local path or ALIAS/BUCKET/KEY.")],
    destination: Annotated[str, typer.Argument(help="A local path or ALIAS/BUCKET[/KEY].")],
    recursive: RecursiveOpt = False,
    progress: ProgressOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Copy files to, from or between buckets; files over 8 MiB go in parts.

    A destination ending in / (or an existing local directory, or a bare bucket) gets the
    source's name appended. With -r, what is below the source goes below the destination.

    \b
    Examples:
      1. welkin obs cp ./photo.jpg default/photos/2025/photo.jpg
      2. welkin obs cp default/photos/2025/photo.jpg ./
      3. welkin obs cp -r ./site default/www/
      4. welkin obs cp -r default/www/ acme/backup/www/ --progress

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx) or no such file/object; 2 usage error (bad path
      or alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        aliases = _aliases()
        jobs = plan_copy(
            S3Clients(), parse(source, aliases), parse(destination, aliases), destination, recursive
        )
        rows = _transfer_all(jobs, progress, "copy")
    emit_list(rows, _TRANSFER_COLUMNS, output)


@app.command("mv")
def move(
    source: Annotated[str, typer.Argument(help="A local path or ALIAS/BUCKET/KEY.")],
    destination: Annotated[str, typer.Argument(help="A local path or ALIAS/BUCKET[/KEY].")],
    recursive: RecursiveOpt = False,
    progress: ProgressOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Move: copy like `cp`, then delete each source once its copy is done.

    \b
    Examples:
      1. welkin obs mv ./report.pdf default/docs/
      2. welkin obs mv -r default/inbox/ default/archive/2025/

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx) or no such file/object; 2 usage error (bad path
      or alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        aliases = _aliases()
        clients = S3Clients()
        jobs = plan_copy(clients, parse(source, aliases), parse(destination, aliases), destination, recursive)
        rows = []
        with transfer_progress(progress) as bars:
            mover = Transferer(clients, bars)
            for job in jobs:
                mover.copy(job)
                mover.delete([job.source])
                rows.append(job.row("move"))
    emit_list(rows, _TRANSFER_COLUMNS, output)


@app.command("rm")
def remove(
    path: Annotated[str, typer.Argument(help="ALIAS/BUCKET/KEY, or a prefix with -r.")],
    recursive: RecursiveOpt = False,
    output: OutputOpt = Format.table,
) -> None:
    """Delete an object, or with -r every object below a prefix.

    \b
    Examples:
      1. welkin obs rm default/photos/2025/photo.jpg
      2. welkin obs rm -r default/photos/2024/

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx) or no such object; 2 usage error (bad path or
      alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        target = _remote(path)
        clients = S3Clients()
        if recursive:
            keys = delete_tree(clients, target)
        else:
            if target.is_prefix:
                raise PathError(f"{path!r} names no object: add -r to delete what is below it")
            client = clients.get(target.alias)
            with s3_errors(str(target)):
                client.head_object(Bucket=target.bucket, Key=target.key)
                client.delete_object(Bucket=target.bucket, Key=target.key)
            keys = [target.key]
    emit_done(f"Deleted {len(keys)} object(s) from {target.alias}/{target.bucket}.", output, deleted=keys)


@app.command("sync")
def sync(
    source: Annotated[str, typer.Argument(help="A local directory or ALIAS/BUCKET[/PREFIX].")],
    destination: Annotated[str, typer.Argument(help="A local directory or ALIAS/BUCKET[/PREFIX].")],
    delete: Annotated[bool, typer.Option("--delete", help="Delete what the source does not have.")] = False,
    progress: ProgressOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Copy what is missing at the destination, differs in size, or is newer at the source.

    \b
    Examples:
      1. welkin obs sync ./site default/www
      2. welkin obs sync default/www ./www-backup --delete
      3. welkin obs sync default/www acme/mirror/www -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx) or no such directory; 2 usage error (bad path or
      alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        aliases = _aliases()
        clients = S3Clients()
        plan = plan_sync(clients, parse(source, aliases), parse(destination, aliases), delete)
        rows = []
        with transfer_progress(progress) as bars:
            mover = Transferer(clients, bars)
            for job in plan.copies:
                mover.copy(job)
                rows.append(job.row("copy"))
            mover.delete(plan.deletions)
        rows.extend(
            {"action": "delete", "source": "", "destination": str(p), "size": None} for p in plan.deletions
        )
    emit_list(rows, _TRANSFER_COLUMNS, output)


@app.command("presign")
def presign(
    path: Annotated[str, typer.Argument(help="ALIAS/BUCKET/KEY")],
    expires: Annotated[
        str, typer.Option(help="How long the URL works: seconds, or 90m, 12h, 7d (max).")
    ] = "1h",
    output: OutputOpt = Format.table,
) -> None:
    """Print a URL that fetches the object without credentials until it expires.

    A profile logged in with a password signs with a temporary key, so its URLs stop working
    when that key expires, whatever --expires says.

    \b
    Examples:
      1. welkin obs presign default/photos/2025/photo.jpg
      2. welkin obs presign default/builds/app.tar.gz --expires 7d -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error (bad path, alias or --expires,
      not logged in); 3 cannot connect / server error.
    """
    with _handled():
        target = _remote(path)
        if target.is_prefix:
            raise PathError(f"{path!r} names no object")
        seconds = expires_seconds(expires)
        with s3_errors(str(target)):
            url = (
                S3Clients()
                .get(target.alias)
                .generate_presigned_url(
                    "get_object", Params={"Bucket": target.bucket, "Key": target.key}, ExpiresIn=seconds
                )
            )
    if output is Format.json:
        emit_object({"url": url, "expires_in": seconds}, output)
    else:
        typer.echo(url)


@app.command("stat")
def stat(
    path: Annotated[str, typer.Argument(help="ALIAS/BUCKET or ALIAS/BUCKET/KEY")],
    output: OutputOpt = Format.table,
) -> None:
    """Show an object's metadata (size, ETag, type, time, user metadata) or a bucket's.

    \b
    Examples:
      1. welkin obs stat default/photos/2025/photo.jpg
      2. welkin obs stat default/photos -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such bucket or object); 2 usage error
      (bad path or alias, not logged in); 3 cannot connect / server error.
    """
    with _handled():
        target = _remote(path)
        clients = S3Clients()
        found = stat_bucket(clients, target) if not target.key else stat_object(clients, target)
    emit_object(found, output)
