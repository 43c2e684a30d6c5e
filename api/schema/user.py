"""Accounts, tokens and API keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from api.schema.common import RequestModel, UtcDateTime


class UserCreate(RequestModel):
    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=10, max_length=128)
    full_name: str = Field(min_length=1, max_length=200)

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        classes = sum(
            [
                any(c.islower() for c in value),
                any(c.isupper() for c in value),
                any(c.isdigit() for c in value),
                any(not c.isalnum() for c in value),
            ]
        )
        if classes < 3 or len(set(value)) < 5:
            raise ValueError(
                "password is too weak: use 10+ characters mixing at least three of "
                "lower case, upper case, digits and symbols"
            )
        return value

    @field_validator("full_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("full_name must not be blank")
        return value


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    full_name: str
    is_admin: bool
    created_at: UtcDateTime


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret. It is shown only once.")
