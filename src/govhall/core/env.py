"""Environment configuration: every setting govhall reads from the environment.

Each variable is declared once here with its default and meaning; settings.py reads
them through :func:`env` and ``docs/configuration.md`` is generated from
:data:`VARIABLES` (a test keeps the two in step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in [
        Variable("DEBUG", "1", "Development mode (1/0). Production must set 0."),
        Variable(
            "SECRET_KEY",
            "",
            "Django secret key. Required when DEBUG=0; a fixed insecure key is used in development.",
        ),
        Variable("ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the site answers to."),
        Variable(
            "CSRF_TRUSTED_ORIGINS",
            "",
            "Comma-separated origins (https://host) trusted for CSRF behind a proxy.",
        ),
        Variable(
            "DATABASE_URL",
            "",
            "Database URL (postgres://user:pass@host/db). Empty: SQLite file var/govhall.sqlite3 in WAL mode.",
        ),
        Variable("GOVHALL_VAR_DIR", "var", "Directory for the SQLite database, uploads and other runtime files."),
        Variable(
            "MEDIA_ROOT",
            "",
            "Where uploaded files are stored (default: <GOVHALL_VAR_DIR>/media). Personal data: never let the web "
            "server serve this directory. govhall serves the catalogue's blank forms (/media/catalog/) itself and "
            "every other file through views that check who asks.",
        ),
        Variable("STATIC_ROOT", "", "Where collectstatic puts static files (default: <GOVHALL_VAR_DIR>/static)."),
        Variable("SECURE_SSL_REDIRECT", "1", "Redirect HTTP to HTTPS when DEBUG=0 (set 0 if the proxy does it)."),
        Variable("SECURE_HSTS_SECONDS", "31536000", "HSTS max-age when DEBUG=0."),
        Variable(
            "SECURE_PROXY_SSL_HEADER",
            "",
            "Set to 1 when behind a proxy that sets X-Forwarded-Proto (trusts that header).",
        ),
        Variable("GOVHALL_DEMO_PASSWORD", "govhall-demo", "Password given to the demo accounts by load_demo."),
        Variable("GOVHALL_SITE_URL", "http://127.0.0.1:8000", "Public base URL, used in QR codes and documents."),
        Variable("GOVHALL_TOKEN_TTL_HOURS", "720", "Lifetime of API bearer tokens, in hours."),
        Variable(
            "GOVHALL_STATS_CACHE_SECONDS",
            "300",
            "How long the statistics dashboard's figures for one reach and filter are shared between viewers "
            "(through the cache, so across nodes with GOVHALL_CACHE=redis); 0: computed on every view.",
        ),
        Variable(
            "GOVHALL_IDENTITY_BACKEND",
            "local",
            "Real-name verification (实名核验) of online registrations, a provider of the `identity` registry: "
            "`local` (LocalIdentityVerifier: check digit only), `http` (HttpJsonIdentityVerifier), or a "
            "deployment's own adapter (dotted path). See docs/providers.md.",
        ),
        Variable("GOVHALL_IDENTITY_URL", "", "URL of the identity service for HttpJsonIdentityVerifier."),
        Variable("GOVHALL_IDENTITY_KEY", "", "API key sent to the identity service (X-Api-Key)."),
        Variable(
            "GOVHALL_ENTERPRISE_BACKEND",
            "local",
            "Enterprise verification (企业核验) of legal persons registered online by their legal representative, a "
            "provider of the `enterprise` registry: `local` (LocalEnterpriseVerifier: check digit only), `http` "
            "(HttpJsonEnterpriseVerifier), or a deployment's own adapter (dotted path).",
        ),
        Variable("GOVHALL_ENTERPRISE_URL", "", "URL of the enterprise registry for HttpJsonEnterpriseVerifier."),
        Variable("GOVHALL_ENTERPRISE_KEY", "", "API key sent to the enterprise registry (X-Api-Key)."),
        Variable(
            "GOVHALL_SESSION_IDLE_MINUTES",
            "30",
            "A signed-in browser is logged out after this many minutes without a request (登录连接超时自动退出).",
        ),
        Variable(
            "GOVHALL_CACHE",
            "",
            "The cache: SMS codes and the API's throttles. Empty: each process's memory (one server process only; "
            "with several workers a code one sent is unknown to the next). db: a table of the database, shared by "
            "all workers (manage.py migrate makes it). redis: Django's Redis cache at GOVHALL_REDIS_URL, shared by "
            "every node; the rate limits and the login lock then count in Redis too (GOVHALL_LIMITS).",
        ),
        Variable(
            "GOVHALL_REDIS_URL",
            "redis://127.0.0.1:6379/0",
            "Redis for GOVHALL_CACHE=redis, GOVHALL_LIMITS=redis and GOVHALL_TASKS=rq (redis://[:password@]host:port/"
            "db, rediss:// for TLS). Unused otherwise.",
        ),
        Variable(
            "GOVHALL_LIMITS",
            "",
            "Where rate limits and the login lock count (core/limits.py): `db` (a table, every process of one "
            "database) or `redis` (atomic INCR with the window's own expiry, at GOVHALL_REDIS_URL). Empty: redis "
            "when GOVHALL_CACHE=redis, db otherwise.",
        ),
        Variable(
            "GOVHALL_TASKS_REDIS_URL",
            "",
            "Redis for the RQ task queue (GOVHALL_TASKS=rq). Empty: GOVHALL_REDIS_URL. A separate instance (or db "
            "number) keeps queued jobs apart from an evictable cache.",
        ),
        Variable(
            "GOVHALL_STORAGE",
            "",
            "Where uploaded files live. Empty: MEDIA_ROOT on this node's disk (one node). s3: an S3-compatible "
            "bucket (GOVHALL_S3_*), private: no public ACL and no public URL; every file is still served by the "
            "views that check who asks (docs/deployment.md). `manage.py files_to_s3` copies existing files.",
        ),
        Variable("GOVHALL_S3_BUCKET", "", "Bucket of the uploaded files (GOVHALL_STORAGE=s3). Required then."),
        Variable(
            "GOVHALL_S3_ENDPOINT_URL",
            "",
            "Endpoint of the S3-compatible service (https://minio.example:9000, a cloud's regional endpoint). "
            "Empty: AWS's.",
        ),
        Variable("GOVHALL_S3_REGION", "", "Region name of the bucket (e.g. cn-north-1). Empty: the client's default."),
        Variable(
            "GOVHALL_S3_ACCESS_KEY",
            "",
            "Access key id for the bucket. Empty: boto3's own chain (AWS_ACCESS_KEY_ID, an instance role, ...).",
        ),
        Variable("GOVHALL_S3_SECRET_KEY", "", "Secret access key for the bucket (with GOVHALL_S3_ACCESS_KEY)."),
        Variable(
            "GOVHALL_S3_PREFIX",
            "",
            "Folder inside the bucket for this deployment's files (e.g. govhall); empty: the bucket's root.",
        ),
        Variable(
            "DATABASE_REPLICA_URL",
            "",
            "A read replica of DATABASE_URL (postgres://...). Used only by report selectors marked read-only "
            "(core/dbrouter.py, docs/deployment.md); every other query goes to the primary. Empty: none.",
        ),
        Variable(
            "DATABASE_CONN_MAX_AGE",
            "60",
            "Seconds a PostgreSQL connection is kept between requests (Django's CONN_MAX_AGE; 0 closes it after "
            "each request, the setting for a transaction-mode pgbouncer in front). See docs/deployment.md.",
        ),
        Variable(
            "GOVHALL_METRICS_TOKEN",
            "",
            "Bearer token a Prometheus scraper sends to /metrics (Authorization: Bearer ...). Empty: no token "
            "accepted, only GOVHALL_METRICS_ALLOW.",
        ),
        Variable(
            "GOVHALL_METRICS_ALLOW",
            "127.0.0.1,::1",
            "Comma-separated addresses or networks (CIDR) that may read /metrics without a token (the connecting "
            "address, not X-Forwarded-For). Empty: the token only.",
        ),
        Variable(
            "GOVHALL_PROXIES",
            "0",
            "Reverse proxies in front of govhall that append the client to X-Forwarded-For. Rate limits and the "
            "login lock count the address that many entries from the right; 0: the connecting address (a client "
            "could write anything into the header).",
        ),
        Variable(
            "GOVHALL_STAFF_2FA",
            "0",
            "Staff two-factor sign-in (1/0): every staff member, administrator and superuser must confirm a sign-in "
            "with a code from an authenticator app (TOTP) or a recovery code before any staff page, the admin or "
            "a staff API token. 0 for the local demo only; production must set 1 (check --deploy warns). See "
            "docs/security.md.",
        ),
        Variable(
            "GOVHALL_OTP_ISSUER",
            "govhall",
            "Name under which staff's authenticator apps list their govhall code (the otpauth issuer), e.g. the "
            "centre's name.",
        ),
        Variable(
            "GOVHALL_AUDIT_RETENTION_DAYS",
            "365",
            "How long manage.py purge_security_audit keeps security audit events, in days; at least 184 (six "
            "months, 《网络安全法》 art. 21): younger events are never deleted.",
        ),
        Variable("LOG_LEVEL", "INFO", "Log level of the govhall loggers."),
        Variable(
            "GOVHALL_TASKS",
            "immediate",
            "Task backend: `immediate` (run at enqueue, no worker), `db` (django-tasks-db; run `manage.py "
            "db_worker`; one node), `rq` (django-tasks-rq on Redis at GOVHALL_TASKS_REDIS_URL; run `manage.py "
            "rqworker default --with-scheduler` on any number of nodes), or a backend's dotted path.",
        ),
        Variable(
            "GOVHALL_PDF_FONT",
            "",
            "A TrueType CJK font file (TrueType outlines; of a .ttc, the first face) embedded in PDFs instead of the "
            "bundled Noto Sans SC; titles then get a faux bold. Empty: Noto Sans SC Regular and Bold from the package "
            "justmytype-intl-cjk, prepared by make setup (docs/pdf.md). No fallback: a font that cannot be embedded "
            "stops PDF rendering with an error.",
        ),
        Variable(
            "GOVHALL_SMS_BACKEND",
            "outbox",
            "SMS gateway adapter, a provider of the `sms` registry: `outbox` (OutboxBackend: keeps messages in the "
            "outbox table only, sends nothing), `http` (HttpJsonSmsBackend), or a deployment's own adapter (dotted "
            "path).",
        ),
        Variable(
            "GOVHALL_SMS_URL",
            "",
            "Endpoint of the HTTP SMS gateway (`HttpJsonSmsBackend`): it receives a JSON POST {phone, text, sign}.",
        ),
        Variable("GOVHALL_SMS_KEY", "", "API key sent to the HTTP SMS gateway in the `X-Api-Key` header."),
        Variable(
            "GOVHALL_SMS_SIGN",
            "",
            "SMS signature registered with the gateway (短信签名), e.g. 【某市政务服务】.",
        ),
        Variable("GOVHALL_UPLOAD_MAX_MB", "10", "Largest material file an applicant or clerk may upload, in MB."),
        Variable(
            "GOVHALL_DELIVERY_PROVIDERS",
            "window,ems,electronic,locker",
            "Delivery channels (送达) enabled, comma-separated providers of the `delivery` registry: `window` "
            "(统一窗口出件), `ems` (EMS, the clerk types the waybill number), `electronic` (电子送达), `ems_http` "
            "(EMS through GOVHALL_EMS_URL), `locker` (the centre's own 24-hour lockers), `locker_network` (a "
            "third-party locker network through GOVHALL_LOCKER_NETWORK_URL) or `locker_network_local` (its local "
            "stand-in, for the demo's network point), or a dotted path. Several may serve one mode; the clerk then "
            "picks one. See docs/providers.md and docs/lockers.md.",
        ),
        Variable(
            "GOVHALL_EMS_URL",
            "",
            "Endpoint that makes an EMS waybill for `ems_http`: it receives a JSON POST {case_number, item_name, "
            "recipient, phone, address} and answers {waybill_no}.",
        ),
        Variable("GOVHALL_EMS_KEY", "", "API key sent to the EMS endpoints (X-Api-Key)."),
        Variable(
            "GOVHALL_EMS_TRACK_URL",
            "",
            "Endpoint that answers a waybill's tracking events for `ems_http` (JSON POST {waybill_no}). Empty: no "
            "tracking.",
        ),
        Variable(
            "GOVHALL_EMS_CANCEL_URL",
            "",
            "Endpoint that cancels a waybill `ems_http` made when the case could not be marked delivered (JSON POST "
            "{waybill_no}). Empty: nothing is sent and the waybill is logged.",
        ),
        Variable(
            "GOVHALL_GEOCODER",
            "gazetteer",
            "Address search of the service-point finder (地址解析), a provider of the `geocoder` registry: `gazetteer` "
            "(the shipped gazetteer of the demo district, or GOVHALL_GAZETTEER), `http` (HttpJsonGeocoder), or a "
            "deployment's own adapter (dotted path). See docs/stations.md.",
        ),
        Variable(
            "GOVHALL_GEOCODER_URL",
            "",
            "Endpoint of the geocoding service for `http`: it receives a JSON POST {address, region} and answers "
            "{found, lat, lng, label} in WGS-84.",
        ),
        Variable("GOVHALL_GEOCODER_KEY", "", "API key sent to the geocoding service (X-Api-Key)."),
        Variable(
            "GOVHALL_GAZETTEER",
            "",
            "A JSON file of the district's streets, communities and landmarks with WGS-84 positions, in the shape "
            "of src/govhall/stations/data/lianhu.json. Empty: that shipped file (莲湖区, the demo district).",
        ),
        Variable(
            "GOVHALL_MAP_PROVIDER",
            "svg",
            "The finder's map, a provider of the `maps` registry: `svg` (drawn on the server from the shipped data; "
            "no request leaves the site) or `tiles` (markers over GOVHALL_MAP_TILE_URL's tiles).",
        ),
        Variable(
            "GOVHALL_MAP_TILE_URL",
            "",
            "Tile URL template for `tiles`, Web Mercator with {z}, {x} and {y} (e.g. the deployment's proxy to "
            "天地图), in WGS-84.",
        ),
        Variable(
            "GOVHALL_MAP_ATTRIBUTION",
            "",
            "The attribution the tile service requires, shown under the map (required with `tiles`).",
        ),
        Variable(
            "GOVHALL_LOCKER_KEY",
            "",
            "Server key of the lockers (docs/lockers.md): open codes are stored as HMACs under a key derived from it, "
            "and each cabinet's secret is derived from it and the cabinet's salt, so a database dump alone can "
            "neither test codes nor sign cabinet requests. Empty: derived from SECRET_KEY. Changing it voids every "
            "live code and every cabinet secret (rotate the cabinets' secrets afterwards).",
        ),
        Variable("GOVHALL_LOCKER_CODE_DIGITS", "8", "Digits of a locker open code (开箱码), 6 to 12."),
        Variable(
            "GOVHALL_LOCKER_CODE_HOURS",
            "72",
            "How long an open code is valid, in hours. An expired drop-off reservation frees its cell; an expired "
            "pick-up code leaves the result in the cell and the applicant may ask for a new code "
            "(manage.py lockers_expire, run from cron).",
        ),
        Variable(
            "GOVHALL_LOCKER_CABINET_LOCKOUT",
            "5/900,20/86400",
            "Wrong open codes allowed per cabinet (from every terminal together), in escalating tiers "
            "failures/seconds: past any tier the cabinet takes no code until that window ends. With 8 digits and "
            "100 live codes the default allows 0.0073 expected break-ins per cabinet per year (docs/lockers.md).",
        ),
        Variable(
            "GOVHALL_LOCKER_SOURCE_LOCKOUT",
            "3/300,10/3600",
            "Wrong open codes allowed per source (one terminal of a cabinet: its keypad, a paired screen), in tiers "
            "failures/seconds, within the cabinet's.",
        ),
        Variable(
            "GOVHALL_LOCKER_NETWORK_URL",
            "",
            "Endpoint of a third-party locker network for `locker_network`: it receives JSON POSTs {action: book | "
            "cancel, ...} (docs/lockers.md).",
        ),
        Variable("GOVHALL_LOCKER_NETWORK_KEY", "", "API key sent to the locker network (X-Api-Key)."),
        Variable(
            "GOVHALL_LOCKER_NETWORK_CALLBACK_KEY",
            "",
            "Secret the locker network signs its event callbacks with (HMAC-SHA256, POST "
            "/api/v1/lockers/network/events). Required while `locker_network` is enabled.",
        ),
        # 好差评 (docs/evaluations.md)
        Variable("GOVHALL_EVALUATION_CALLBACK_DAYS", "3", "Working days a department has to call a 差评 back (回访)."),
        Variable(
            "GOVHALL_EVALUATION_RECTIFICATION_DAYS",
            "15",
            "Working days from the callback (or a contest) to the rectification (整改), 国办发〔2019〕51号.",
        ),
        Variable("GOVHALL_EVALUATION_FOLLOW_UP_DAYS", "15", "Days after an evaluation for its one follow-up (追评)."),
        Variable(
            "GOVHALL_EVALUATION_WINDOW_DAYS",
            "90",
            "Days after a case concluded during which it may be evaluated online.",
        ),
        Variable(
            "GOVHALL_EVALUATION_SCREEN_MINUTES",
            "10",
            "Minutes a clerk's 请申请人评价 stays on the window evaluator screen.",
        ),
        Variable(
            "GOVHALL_EVALUATION_CALLBACK_ATTEMPTS",
            "3",
            "Unreachable callback attempts after which the task moves on to rectification.",
        ),
        Variable(
            "GOVHALL_EVALUATION_REPORTER",
            "jsonl",
            "Reporting provider to the national 好差评 platform (kind `evaluation_report`): `jsonl` (a local file; "
            "`check --deploy` warns), `http`, or a dotted path.",
        ),
        Variable(
            "GOVHALL_EVALUATION_REPORT_FILE",
            "",
            "Where `jsonl` appends one line per evaluation (empty: <GOVHALL_VAR_DIR>/evaluations/report.jsonl).",
        ),
        Variable("GOVHALL_EVALUATION_REPORT_URL", "", "The national platform's HTTP/JSON endpoint (`http`)."),
        Variable("GOVHALL_EVALUATION_REPORT_KEY", "", "API key sent to it (X-Api-Key)."),
        # 审前服务 (docs/prechecks.md)
        Variable("GOVHALL_PRECHECK_REPLY_WORKDAYS", "2", "Working days to answer a 审前服务 request (1-30)."),
        # 预约 (docs/appointments.md)
        Variable(
            "GOVHALL_APPOINTMENT_NO_SHOW_LIMIT",
            "3",
            "No-shows within GOVHALL_APPOINTMENT_NO_SHOW_WINDOW_DAYS after which online booking is blocked.",
        ),
        Variable("GOVHALL_APPOINTMENT_NO_SHOW_WINDOW_DAYS", "90", "Days over which no-shows are counted."),
        Variable(
            "GOVHALL_APPOINTMENT_NO_SHOW_BLOCK_DAYS",
            "30",
            "Days online booking stays blocked after too many no-shows (staff may still book by phone).",
        ),
        # 取号叫号 (docs/queues.md)
        Variable("GOVHALL_QUEUE_MAX_CALLS", "3", "Unanswered calls before a ticket is missed (过号)."),
        Variable(
            "GOVHALL_QUEUE_REMIND_AHEAD",
            "3",
            "叫号提醒: when a call leaves an applicant's ticket this many places from the front, they get one SMS "
            "(tickets with a known applicant and phone: appointments, ID card at the kiosk, the clerk's); 0: none.",
        ),
        Variable(
            "GOVHALL_QUEUE_ELDERLY_AGE",
            "60",
            "Age (from the resident ID's birth date) from which a ticket is in the elderly priority class.",
        ),
    ]
}


def env(name: str) -> str:
    """The value of a declared variable, or its default."""
    return os.environ.get(name, VARIABLES[name].default)


def env_bool(name: str) -> bool:
    return env(name).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [part.strip() for part in env(name).split(",") if part.strip()]


def markdown_table() -> str:
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for v in VARIABLES.values():
        lines.append(f"| `{v.name}` | `{v.default}` | {v.meaning} |")
    return "\n".join(lines) + "\n"
