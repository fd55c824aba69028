"""Case pages, one module per group: the case page (``detail``), applying online and
我的办件 (``applying``), the staff workbench (``workbench``), window intake (``intake``) and
the public progress query (``progress``).

Pages read cases only through ``cases.selectors`` and ``cases.presenters`` and change them
only through ``cases.services``; a service's ``DomainError`` message is shown on the page as
is. Successful POSTs redirect (POST-redirect-GET); a refused one re-renders the page with
the message and the values the user typed.
"""

from govhall.cases.views.applying import apply, my_cases
from govhall.cases.views.detail import case_act, case_detail, case_identity, case_instant, case_upload, case_verify
from govhall.cases.views.intake import intake
from govhall.cases.views.progress import PROGRESS_LIMIT, progress
from govhall.cases.views.workbench import workbench

__all__ = [
    "PROGRESS_LIMIT",
    "apply",
    "case_act",
    "case_detail",
    "case_identity",
    "case_instant",
    "case_upload",
    "case_verify",
    "intake",
    "my_cases",
    "progress",
    "workbench",
]
