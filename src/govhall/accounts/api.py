from ninja import Router, Schema
from ninja.throttling import AnonRateThrottle

from govhall.accounts.services import token_create
from govhall.core.errors import ErrorOut
from govhall.core.http import client_address

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


@router.post(
    "/token",
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    throttle=[AnonRateThrottle("20/m")],
    summary="Exchange a username and password for a bearer token",
    description="After 5 failed attempts for a username (or 30 from one address) within 15 minutes, logins for "
    "it are refused with 429 `login_locked` until the 15 minutes have passed, whatever the password.",
)
def create_token(request, payload: TokenIn):
    token = token_create(username=payload.username, password=payload.password, address=client_address(request))
    return {"token": token}
