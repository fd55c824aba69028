from ninja import Field, Router, Schema
from ninja.throttling import AnonRateThrottle

from govhall.accounts import selectors
from govhall.accounts.auth import API_AUTH
from govhall.accounts.models import Applicant
from govhall.accounts.services import legal_person_register, token_create
from govhall.core.errors import ErrorOut
from govhall.core.http import client_address
from govhall.core.masking import mask_phone

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    # Staff accounts while two-factor sign-in is on; applicants leave it out.
    otp: str | None = Field(
        None,
        description="Staff accounts, when the deployment requires two-factor sign-in (GOVHALL_STAFF_2FA): the "
        "6-digit code the account's authenticator app shows now, or one of its recovery codes (each works once). "
        "Applicants leave it out.",
        max_length=40,
    )


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


@router.post(
    "/token",
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    throttle=[AnonRateThrottle("20/m")],
    summary="Exchange a username and password (and, for staff, a one-time code) for a bearer token",
    description="After 5 failed attempts for a username (or 30 from one address) within 15 minutes, logins for "
    "it are refused with 429 `login_locked` until the 15 minutes have passed, whatever the password.\n\n"
    "Staff accounts (any staff role, administrators), when the deployment requires two-factor sign-in, also send "
    "`otp`: without it 401 `otp_required`; a wrong or already used code 401 `otp_invalid`; an account that has "
    "not enrolled an authenticator yet 403 `otp_not_enrolled` (enrol on the web first). After 5 wrong codes in "
    "15 minutes (or 20 in a day) codes are refused with 429 `otp_locked`. Every answer's body is "
    "`{code, message, detail}` with a Chinese `message`.",
)
def create_token(request, payload: TokenIn):
    token = token_create(
        username=payload.username, password=payload.password, otp=payload.otp, address=client_address(request)
    )
    return {"token": token}


class ApplicantRef(Schema):
    id: int  # the applicant_id of POST /cases
    kind: str
    name: str
    code: str  # masked for natural persons
    own: bool  # the account's own identity, not a company it operates for


class StaffRef(Schema):
    role: str
    role_label: str
    department: str | None
    hall: str | None
    window: str | None


class MeOut(Schema):
    username: str
    display_name: str
    phone: str  # masked
    staff: StaffRef | None
    applicants: list[ApplicantRef]


@router.get(
    "/me",
    response={200: MeOut, 401: ErrorOut},
    auth=API_AUTH,
    summary="The caller: who they are, and the applicants they may file for",
    description="`applicants` lists the caller's own identity and the companies they are an operator of; pass "
    "one's `id` as `applicant_id` to `POST /cases` to file for it. Numbers are masked.",
)
def me(request):
    user = request.auth
    identity = selectors.identity_of(user)
    staff = identity.staff
    own = [identity.own] if identity.own else []
    return {
        "username": user.get_username(),
        "display_name": user.display_name,
        "phone": mask_phone(user.phone),
        "staff": {
            "role": staff.role,
            "role_label": staff.get_role_display(),
            "department": staff.department.name if staff.department else None,
            "hall": staff.hall.name if staff.hall else None,
            "window": str(staff.window) if staff.window else None,
        }
        if staff
        else None,
        "applicants": [_applicant_ref(a, own=a in own) for a in [*own, *identity.companies]],
    }


def _applicant_ref(a: Applicant, *, own: bool) -> dict:
    return {"id": a.id, "kind": a.kind, "name": a.name, "code": a.masked_code, "own": own}


class LegalPersonIn(Schema):
    name: str  # as on the business licence
    uscc: str


@router.post(
    "/legal-persons",
    response={
        200: ApplicantRef,
        201: ApplicantRef,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    auth=API_AUTH,
    summary="法人注册: the caller registers their company as its legal representative",
    description="The caller must be a real-name registered natural person; they are the legal representative "
    "(their name and resident ID are sent to the enterprise registry with the credit code and company name). "
    "201: registered, the caller is now its legal-representative operator and may file for it; 200: the "
    "caller held it already (nothing changed). A company a window registered earlier is linked only when its "
    "name and legal representative match (400 `applicant_mismatch` otherwise); 400 `enterprise_mismatch` when "
    "the registry disagrees, 503 `enterprise_unavailable` when it cannot answer, 403 `not_natural_person`.",
)
def register_legal_person(request, payload: LegalPersonIn):
    company, linked = legal_person_register(
        actor=request.auth, name=payload.name, uscc=payload.uscc, address=client_address(request)
    )
    return (201 if linked else 200), _applicant_ref(company, own=False)
