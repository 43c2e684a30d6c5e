"""Administration commands: `python -m api.cli COMMAND`.

create-admin EMAIL, revoke-admin EMAIL   administrator rights
privacy-sweep                            the retention purge and blob sweep, once
reencrypt-files                          rewrite stored files under FILE_ENCRYPTION_KEY
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from api.config.database import create_engine, create_sessionmaker
from api.config.settings import get_settings
from api.core.errors import NotFoundError
from api.recruiting import retention
from api.recruiting import user as user_service
from api.recruiting.filestore import store_of


async def _set_admin(email: str, is_admin: bool) -> int:
    engine = create_engine(get_settings())
    try:
        async with create_sessionmaker(engine)() as session:
            user = await user_service.set_admin(session=session, email=email, is_admin=is_admin)
    except NotFoundError as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(f"{user.email} is {'now' if is_admin else 'no longer'} an administrator")
    return 0


async def _sweep() -> int:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            counts = await retention.sweep(session, settings)
    finally:
        await engine.dispose()
    print(json.dumps(counts))
    return 0


def _reencrypt() -> int:
    """Every blob under the current key (plain when none is set); safe to run again."""
    store = store_of(get_settings())
    changed = total = 0
    for key, _ in list(store.keys()):
        total += 1
        changed += store.reseal(key)
    print(f"{changed} of {total} stored file(s) rewritten")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    grant = commands.add_parser("create-admin", help="make an existing user an administrator")
    grant.add_argument("email")
    revoke = commands.add_parser("revoke-admin", help="take administrator rights away")
    revoke.add_argument("email")
    commands.add_parser("privacy-sweep", help="run the retention purge and blob sweep once")
    commands.add_parser(
        "reencrypt-files", help="rewrite stored files under FILE_ENCRYPTION_KEY (key rotation)"
    )
    args = parser.parse_args(argv)
    if args.command == "privacy-sweep":
        return asyncio.run(_sweep())
    if args.command == "reencrypt-files":
        return _reencrypt()
    return asyncio.run(_set_admin(args.email, args.command == "create-admin"))


if __name__ == "__main__":
    sys.exit(main())
