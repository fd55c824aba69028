"""The stations app's pages: the public finder and station pages, 帮办代办 (requests,
authorisations, filing for an applicant), the hall manager's numbers and key projects."""

from govhall.stations.views.assist import (
    assist_home,
    assist_intake,
    assist_new,
    authorisations,
    dashboard,
    request_act,
    request_authorisation,
    request_detail,
    request_file,
    request_link,
)
from govhall.stations.views.finder import finder, station_detail
from govhall.stations.views.projects import project_detail, project_file, project_link, project_status, projects

__all__ = [
    "assist_home",
    "assist_intake",
    "assist_new",
    "authorisations",
    "dashboard",
    "finder",
    "project_detail",
    "project_file",
    "project_link",
    "project_status",
    "projects",
    "request_act",
    "request_authorisation",
    "request_detail",
    "request_file",
    "request_link",
    "station_detail",
]
