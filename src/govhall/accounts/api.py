from ninja import Router, Schema
from ninja.throttling import AnonRateThrottle

from govhall.accounts.services import token_create
from govhall.core.errors import ErrorOut

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


@router.post(
    "/token",
    response={200: TokenOut, 401: ErrorOut},
    throttle=[AnonRateThrottle("20/m")],
    summary="Exchange a username and password for a bearer token",
)
def create_token(request, payload: TokenIn):
    return {"token": token_create(username=payload.username, password=payload.password)}
