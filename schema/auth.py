"""GraphQL mutations for signing in and out, passwords and site roles."""

from __future__ import annotations

from typing import Self

import strawberry

from graph_db.people_records import PersonRecord
from resolvers import accounts
from resolvers.accounts import AccountSuspended, BadCredentials, SignedIn
from schema.base import USER_FIXABLE, AppInfo, DateTime, Payload, UserError, from_ms, local_id
from schema.people import Person, Role

# -- inputs -------------------------------------------------------------------------------


@strawberry.input(description="A new member account.")
class RegisterInput:
    email: str = strawberry.field(description="Email address; also the sign-in name.")
    name: str = strawberry.field(description="Full name as it should be shown to others.")
    password: str = strawberry.field(
        description="12 to 256 characters, not the email address."
    )


@strawberry.input(description="Email and password of an existing account.")
class LoginInput:
    email: str = strawberry.field(description="The account's email address.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.input(description="A refresh token to exchange for a new token pair.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="The refresh token from the last sign-in.")


@strawberry.input(description="The session to end.")
class LogoutInput:
    refresh_token: str = strawberry.field(description="The refresh token of this session.")
    all_sessions: bool = strawberry.field(
        default=False,
        description="End every session of the account (all devices), not only this one.",
    )


@strawberry.input(description="A password change for the signed-in member.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(
        description="12 to 256 characters, not the email address, not the current password."
    )


@strawberry.input(description="A site role for a member (admins only).")
class SetRoleInput:
    person_id: strawberry.ID = strawberry.field(description="The member's global id.")
    role: Role = strawberry.field(description="The new site role.")


# -- payloads -----------------------------------------------------------------------------


@strawberry.type(description="Tokens for a signed-in session.")
class SessionPayload(Payload[SignedIn]):
    access_token: str | None = strawberry.field(
        description="Short-lived JWT; send it as `Authorization: Bearer <accessToken>`."
    )
    refresh_token: str | None = strawberry.field(
        description="Opaque, single-use token for `refreshToken` when the access token expires."
    )
    expires_at: DateTime | None = strawberry.field(description="When the access token expires.")
    viewer: Person | None = strawberry.field(
        description="The signed-in member."
    )

    # Wrong credentials and suspension come back as payload errors too (the user can act).
    fixable = (*USER_FIXABLE, BadCredentials, AccountSuspended)

    @classmethod
    def of(cls, signed_in: SignedIn | None, errors: list[UserError]) -> Self:
        if signed_in is None:
            return cls(access_token=None, refresh_token=None, expires_at=None, viewer=None, errors=errors)
        return cls(
            access_token=signed_in.access_token, refresh_token=signed_in.refresh_token,
            expires_at=from_ms(signed_in.expires_at), viewer=Person.from_record(signed_in.person),
            errors=errors,
        )


@strawberry.type(description="The result of `register`.")
class RegisterPayload(SessionPayload):
    pass


@strawberry.type(description="The result of `login`.")
class LoginPayload(SessionPayload):
    pass


@strawberry.type(description="The result of `refreshToken`.")
class RefreshTokenPayload(SessionPayload):
    pass


@strawberry.type(description="The result of `changePassword`: a fresh session for this client.")
class ChangePasswordPayload(SessionPayload):
    pass


@strawberry.type(description="The result of `logout`.")
class LogoutPayload(Payload[int], result="revoked", empty=0):
    revoked: int = strawberry.field(
        description="How many refresh tokens were revoked (0 when already signed out)."
    )

    fixable = SessionPayload.fixable


@strawberry.type(description="The result of `setRole`.")
class SetRolePayload(Payload[PersonRecord], result="person", convert=Person.from_record):
    person: Person | None = strawberry.field(description="The member with their new role.")

    fixable = SessionPayload.fixable


# -- mutations ----------------------------------------------------------------------------


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Create an account with a password and sign in.")
    async def register(self, info: AppInfo, input: RegisterInput) -> RegisterPayload:
        return await RegisterPayload.attempt(lambda: accounts.register(
            info.context, email=input.email, name=input.name, password=input.password,
        ))

    @strawberry.mutation(
        description="Sign in with email and password. Repeated failures are throttled."
    )
    async def login(self, info: AppInfo, input: LoginInput) -> LoginPayload:
        return await LoginPayload.attempt(lambda: accounts.login(
            info.context, email=input.email, password=input.password,
        ))

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens; the old refresh token is spent."
    )
    async def refresh_token(self, info: AppInfo, input: RefreshTokenInput) -> RefreshTokenPayload:
        return await RefreshTokenPayload.attempt(lambda: accounts.refresh_session(
            info.context, refresh_token=input.refresh_token,
        ))

    @strawberry.mutation(description="Sign out: revoke this session's (or every) refresh token.")
    async def logout(self, info: AppInfo, input: LogoutInput) -> LogoutPayload:
        return await LogoutPayload.attempt(lambda: accounts.logout(
            info.context, refresh_token=input.refresh_token, all_sessions=input.all_sessions,
        ))

    @strawberry.mutation(
        description="Change the signed-in member's password; every other session is signed out."
    )
    async def change_password(self, info: AppInfo, input: ChangePasswordInput) -> ChangePasswordPayload:
        return await ChangePasswordPayload.attempt(lambda: accounts.change_password(
            info.context, current_password=input.current_password, new_password=input.new_password,
        ))

    @strawberry.mutation(description="Give a member a site role. Admins only.")
    async def set_role(self, info: AppInfo, input: SetRoleInput) -> SetRolePayload:
        return await SetRolePayload.attempt(lambda: accounts.set_role(
            info.context, person_id=local_id(input.person_id, "Person", field="personId"),
            role=input.role.value,
        ))
