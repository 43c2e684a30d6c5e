"""Passwords (argon2), access tokens (HS256 JWT), API keys and signed download links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.config.settings import Settings

ALGORITHM = "HS256"
API_KEY_PREFIX = "cvm_"

# OWASP's argon2id baseline: 19 MiB, two passes, one lane (about 0.1 s here)
_password_hash = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),))
#: verified against when the email is unknown, so timing does not reveal accounts
_DUMMY_HASH = _password_hash.hash("not-a-real-password-0")


class TokenError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return _password_hash.verify(password, hashed)


def create_access_token(*, subject: str, settings: Settings) -> IssuedToken:
    now = int(time.time())
    ttl = settings.access_token_minutes * 60
    claims = {"sub": subject, "iat": now, "exp": now + ttl, "type": "access"}
    token = jwt.encode(claims, settings.signing_key(), algorithm=ALGORITHM)
    return IssuedToken(token=token, expires_in=ttl)


def decode_access_token(token: str, *, settings: Settings) -> str:
    """Return the subject (user id) of a valid access token, or raise TokenError."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_key(),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "iat", "exp", "type"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("TOKEN_EXPIRED", "Token has expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("UNAUTHENTICATED", "Invalid token") from exc
    if claims.get("type") != "access" or not isinstance(claims.get("sub"), str):
        raise TokenError("UNAUTHENTICATED", "Invalid token")
    return str(claims["sub"])


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (the secret shown once, its display prefix, its SHA-256 hex)."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:12], hash_api_key(secret)


def hash_api_key(secret: str) -> str:
    # A 256-bit random secret needs no slow hash: SHA-256 keeps lookups fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def sign_download(*, resource: str, settings: Settings, now: float | None = None) -> str:
    """A short-lived signature for one resource: `<expiry>.<hmac>`."""
    expires = int((now or time.time()) + settings.download_url_seconds)
    mac = _download_mac(resource, expires, settings)
    return f"{expires}.{mac}"


def verify_download(*, resource: str, sig: str, settings: Settings) -> bool:
    expires_text, _, mac = sig.partition(".")
    if not expires_text.isdigit() or int(expires_text) < time.time():
        return False
    return hmac.compare_digest(mac, _download_mac(resource, int(expires_text), settings))


def _download_mac(resource: str, expires: int, settings: Settings) -> str:
    key = settings.signing_key().encode()
    return hmac.new(key, f"dl:{resource}:{expires}".encode(), hashlib.sha256).hexdigest()
