"""Administration commands: `python -m api.cli create-admin EMAIL`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from api.config.database import create_engine, create_sessionmaker
from api.config.settings import get_settings
from api.core.errors import NotFoundError
from api.recruiting import user as user_service


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    grant = commands.add_parser("create-admin", help="make an existing user an administrator")
    grant.add_argument("email")
    revoke = commands.add_parser("revoke-admin", help="take administrator rights away")
    revoke.add_argument("email")
    args = parser.parse_args(argv)
    return asyncio.run(_set_admin(args.email, args.command == "create-admin"))


if __name__ == "__main__":
    sys.exit(main())
