"""The `ignacio` command: serve, work the queue, migrate, and manage users from the shell."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

import structlog

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.domain import Conflict, DomainError
from ignacio.domain.workspaces import WorkspaceRole
from ignacio.entrypoints.config import (
    ChannelKind,
    ConfigurationError,
    QueueKind,
    Settings,
    load_dotenv_file,
)
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.logging import LogFile, configure_logging
from ignacio.entrypoints.runtime import (
    close_container,
    command_container,
    migrate_if_sql,
    run_worker,
)
from ignacio.entrypoints.workspace_commands import add_workspace_commands

log = structlog.get_logger("ignacio")

_STARTUP_FAILURE = 3  # uvicorn's exit code when the server could not start


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    load_dotenv_file()
    try:
        settings = Settings.from_env()
        configure_logging(settings.log.format, settings.log.level, _log_file(settings))
        return int(arguments.run(settings, arguments))
    except ConfigurationError as error:
        print(f"ignacio: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"ignacio: {error.message}", file=sys.stderr)
        return 1


def _log_file(settings: Settings) -> LogFile | None:
    if settings.log.file is None:
        return None
    return LogFile(
        settings.log.file, max_bytes=settings.log.file_max_bytes, backups=settings.log.file_backups
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ignacio", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="address to listen on (IGNACIO_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (IGNACIO_PORT)")
    serve.set_defaults(run=_serve)

    worker = commands.add_parser(
        "worker", help="process queued messages, without HTTP (needs IGNACIO_QUEUE=procrastinate)"
    )
    worker.add_argument(
        "--concurrency", type=int, help="messages processed at once (IGNACIO_WORKER_CONCURRENCY)"
    )
    worker.set_defaults(run=_worker)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)

    users = commands.add_parser("users", help="manage users").add_subparsers(
        required=True, metavar="ACTION"
    )
    create = users.add_parser("create", help="register a phone number (the first admin, say)")
    create.add_argument("--phone", required=True, help="international form, e.g. +34612345678")
    create.add_argument("--name")
    create.add_argument(
        "--admin",
        action="store_true",
        help="make the user an admin (a number that is a member already is made admin)",
    )
    create.add_argument("--workspace", help="the workspace they join (default: the default one)")
    create.add_argument(
        "--role",
        choices=[role.value for role in WorkspaceRole],
        help="their role in it (default: admin for an admin, else member)",
    )
    create.set_defaults(run=_create_user)
    promote = users.add_parser("promote", help="make an existing member an admin")
    promote.add_argument("--phone", required=True, help="international form, e.g. +34612345678")
    promote.set_defaults(run=_promote_user)

    add_workspace_commands(commands)

    files = commands.add_parser("files", help="manage members' files").add_subparsers(
        required=True, metavar="ACTION"
    )
    resync = files.add_parser(
        "resync",
        help="extract and index every file again (and upload it to the vector store, if any)",
    )
    resync.add_argument("--phone", help="only this member's files (international form)")
    resync.set_defaults(run=_resync_files)

    dev = commands.add_parser(
        "dev", help="tools for trying Ignacio without a provider"
    ).add_subparsers(required=True, metavar="TOOL")
    whatsapp = dev.add_parser(
        "whatsapp", help="send a signed WhatsApp Cloud API text message to a running server"
    )
    whatsapp.add_argument("text", help="what the person writes")
    whatsapp.add_argument("--from", dest="sender", help="the sender's number (left out: hidden)")
    whatsapp.add_argument(
        "--user-id",
        help="the sender's business-scoped user id (BSUID), e.g. US.13491208655302741918",
    )
    whatsapp.add_argument("--username", help="the sender's WhatsApp username")
    whatsapp.add_argument("--name", default="Dev User", help="the sender's WhatsApp profile name")
    whatsapp.add_argument("--url", help="the server (default: http://IGNACIO_HOST:IGNACIO_PORT)")
    whatsapp.set_defaults(run=_dev_whatsapp)
    return parser


def _serve(settings: Settings, arguments: argparse.Namespace) -> int:
    import uvicorn

    from ignacio.entrypoints.http.app import create_app

    host = arguments.host or settings.server.host
    port = arguments.port or settings.server.port
    if settings.should_migrate_on_start:
        migrate_if_sql(settings)
    _check_port_free(host, port)
    container = build_container(settings)
    container.keys()  # create the embedded keys now, not on the first request
    app = create_app(container, long_running=True)
    log.info(
        "ignacio is starting",
        web_app=f"http://{host}:{port}/app/",
        docs=f"http://{host}:{port}/docs",
        database=_redacted(settings.effective_database_url),
        channel=(
            "console (login codes and WhatsApp messages are printed here)"
            if settings.channel.kind is ChannelKind.CONSOLE
            else settings.channel.kind.value
        ),
    )
    feed = container.live_feed()

    class Server(uvicorn.Server):
        """uvicorn lets open responses finish before it stops, and a live stream never
        finishes by itself: once told to stop, the streams end (their clients reconnect to
        another instance) and the rest stops as usual."""

        async def on_tick(self, counter: int) -> bool:
            stopping = await super().on_tick(counter)
            if stopping:
                feed.stop_streams()
            return stopping

    server = Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
            timeout_keep_alive=int(settings.server.keep_alive.total_seconds()),
        )
    )
    # What uvicorn.run does around Server.run.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else _STARTUP_FAILURE


def _check_port_free(host: str, port: int) -> None:
    """Say what to do about a busy port, rather than uvicorn's bare "address already in use"."""
    import errno
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise ConfigurationError(
            f"port {port} on {host} is already in use, perhaps by another Ignacio. Stop that, "
            f"or choose another port: IGNACIO_PORT={port + 1} make run, or "
            f"ignacio serve --port {port + 1}."
        ) from error


def _worker(settings: Settings, arguments: argparse.Namespace) -> int:
    if settings.queue.kind is not QueueKind.PROCRASTINATE:
        raise ConfigurationError(
            "`ignacio worker` runs the jobs of a shared queue: set IGNACIO_QUEUE=procrastinate "
            "(with the in-process queue, `ignacio serve` does the work itself)."
        )
    concurrency = arguments.concurrency or settings.worker_concurrency
    if concurrency < 1:
        raise ConfigurationError("--concurrency must be at least 1.")
    if settings.should_migrate_on_start:
        migrate_if_sql(settings)
    asyncio.run(_work(settings, concurrency))
    return 0


async def _work(settings: Settings, concurrency: int) -> None:
    """The worker until SIGTERM or SIGINT; then running jobs get their grace period (a second
    signal stops at once)."""
    container = build_container(settings)
    container.keys()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    work = asyncio.create_task(run_worker(container, concurrency=concurrency, long_running=True))
    stopping = asyncio.create_task(stop.wait())
    log.info(
        "ignacio worker is running",
        concurrency=concurrency,
        database=_redacted(settings.effective_database_url),
        sweep_seconds=settings.queue.sweep_interval.total_seconds(),
    )
    try:
        await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
        if not work.done():
            log.info("ignacio worker is stopping")
        work.cancel()
        stopping.cancel()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await work
        finally:
            await close_container(container)
    log.info("ignacio worker stopped")


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    migrate_if_sql(settings)
    log.info("database is up to date", database=_redacted(settings.effective_database_url))
    return 0


def _create_user(settings: Settings, arguments: argparse.Namespace) -> int:
    async def create() -> None:
        async with command_container(settings) as container:
            try:
                user = await container.create_user()(
                    None,
                    CreateUserCommand(
                        phone=arguments.phone,
                        name=arguments.name,
                        is_admin=arguments.admin,
                        workspace=arguments.workspace,
                        role=WorkspaceRole(arguments.role) if arguments.role else None,
                    ),
                )
            except Conflict:
                if not arguments.admin:
                    raise
                # Someone who logged in first (the README's order) is a member already.
                user = await container.make_admin()(None, arguments.phone, arguments.name)
                print(f"{user.phone} was a member already; now an admin (id {user.id}).")
                return
        role = "admin" if user.is_admin else "member"
        print(f"Created {role} {user.phone} with id {user.id}.")

    asyncio.run(create())
    return 0


def _promote_user(settings: Settings, arguments: argparse.Namespace) -> int:
    async def promote() -> None:
        async with command_container(settings) as container:
            user = await container.make_admin()(None, arguments.phone)
        print(f"{user.phone} is an admin (id {user.id}).")

    asyncio.run(promote())
    return 0


def _resync_files(settings: Settings, arguments: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ignacio.domain import NotFound, PhoneNumber

    if settings.should_migrate_on_start:
        migrate_if_sql(settings)

    async def resync() -> int:
        container = build_container(settings)
        try:
            user_id = None
            if arguments.phone:
                async with container.uow()() as uow:
                    member = await uow.users.get_by_phone(PhoneNumber.parse(arguments.phone))
                if member is None:
                    raise NotFound("There is no member with this phone number.")
                user_id = member.id
            with tqdm(unit="file", desc="Syncing files", file=sys.stderr) as bar:

                def advance(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                report = await container.resync_files()(user_id=user_id, progress=advance)
        finally:
            await close_container(container)
        print(f"{report.total} files: {report.synced} synced, {report.failed} not synced.")
        return 0 if report.failed == 0 else 1

    return asyncio.run(resync())


def dev_delivery(
    text: str,
    *,
    phone_number_id: str,
    sender: str | None,
    user_id: str | None = None,
    username: str | None = None,
    name: str = "Dev User",
) -> bytes:
    """A Cloud API delivery of one text, as Meta sends it: from `sender`'s number, with their
    business-scoped `user_id` when given; with no `sender`, as from someone who hides their
    number behind `username` (no `from`, no `wa_id`)."""
    import time
    import uuid

    import msgspec

    from ignacio.domain import InvalidInput, PhoneNumber

    if sender is None and user_id is None:
        raise InvalidInput("Give the sender's number (--from), their user id (--user-id), or both.")
    message: dict[str, object] = {
        "id": f"wamid.dev.{uuid.uuid4().hex}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    profile: dict[str, object] = {"name": name}
    contact: dict[str, object] = {"profile": profile}
    if sender is not None:
        digits = PhoneNumber.from_provider(sender).e164.removeprefix("+")
        message["from"] = contact["wa_id"] = digits
    if user_id is not None:
        message["from_user_id"] = contact["user_id"] = user_id
    if username is not None:
        profile["username"] = username
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
        "contacts": [contact],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return msgspec.json.encode(
        {"object": "whatsapp_business_account", "entry": [{"id": "dev", "changes": [change]}]}
    )


def _dev_whatsapp(settings: Settings, arguments: argparse.Namespace) -> int:
    import httpx

    from ignacio.adapters.whatsapp_cloud import sign
    from ignacio.entrypoints.keys import whatsapp_app_secret

    body = dev_delivery(
        arguments.text,
        phone_number_id=settings.whatsapp_cloud.phone_number_id or "dev",
        sender=arguments.sender,
        user_id=arguments.user_id,
        username=arguments.username,
        name=arguments.name,
    )
    url = (arguments.url or f"http://{settings.server.host}:{settings.server.port}").rstrip("/")
    response = httpx.post(
        f"{url}/webhooks/whatsapp",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, whatsapp_app_secret(settings)),
        },
        timeout=10,
    )
    print(f"{response.status_code} {response.text}")
    return 0 if response.status_code == 200 else 1


def _redacted(url: str) -> str:
    """The database URL without its password, for logs."""
    scheme, separator, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, location = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{separator}{user}:***@{location}"


if __name__ == "__main__":
    raise SystemExit(main())
