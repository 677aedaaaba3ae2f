"""Troupe settings: one module, driven by the environment.

Runtime modes, decided by two variables:
- ``REDIS_URL`` set: Redis is the channel layer and the Celery broker (production, CI).
- ``REDIS_URL`` unset: the embedded Redis that ``manage.py serve`` starts on a unix socket under
  ``var/`` plays the same part, so laptop and production share one code path.
- ``TROUPE_TESTING`` set (by pytest): without ``REDIS_URL`` the in-memory channel layer is used,
  and Celery runs tasks eagerly unless a test starts a real worker.
"""

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("TROUPE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = env.bool("TROUPE_TESTING", default=False)
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "troupe-insecure-development-key-do-not-use-in-production"

# --- HTTPS (off by default; on in the production example, docker-compose.yml) ----------------
# Behind a TLS-terminating proxy, SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO trusts its header.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the load balancer's plain-HTTP health check

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "csp",
    "platform_core",
    "roleplay",
    "annotation",
    "exports",
    "training",
    "evaluation",
    "workforce",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # NUL or a lone surrogate in a path, query or form: a 400 naming the parameter (platform_core.validation).
    "platform_core.middleware.RefuseForbiddenCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "platform_core.urls"
ASGI_APPLICATION = "platform_core.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "platform_core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "platform_core.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'troupe.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write concurrently: WAL plus immediate transactions
    # turn "database is locked" failures into short waits.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and Celery broker ---------------------------------------------------
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = env("REDIS_URL", default="")
USE_IN_MEMORY_BACKENDS = TESTING and not REDIS_URL
if not REDIS_URL:
    REDIS_URL = f"unix://{EMBEDDED_REDIS_SOCKET}"


def _celery_redis_url(url: str) -> str:
    """Kombu spells a unix-socket Redis ``redis+socket://``; redis-py spells it ``unix://``."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def redis_channel_layer(url: str, prefix: str) -> dict:
    """Redis pub/sub channel layer: one PUBLISH per group send, pushed to each process's subscriber.

    The list-based ``RedisChannelLayer`` costs several Redis round trips per group send and per
    receive, through one serial receive loop per process: at a few hundred chat messages per second
    that loop, not the database, set the latency (bench/README.md). Pub/sub delivers at most once,
    to processes subscribed at that moment; nothing in Troupe relies on the layer keeping a message
    for an absent consumer: chat clients replay committed turns by ``last_seq`` after a reconnect,
    and progress pages show the next progress event.
    """
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            # redis-py's default 5 s socket timeout would drop an idle subscriber: wait as long as needed.
            "hosts": [{"address": url, "socket_timeout": None}],
            "prefix": prefix,
        },
    }


if USE_IN_MEMORY_BACKENDS:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, env("CHANNEL_LAYER_PREFIX", default="troupe"))}

CELERY_BROKER_URL = "memory://" if USE_IN_MEMORY_BACKENDS else _celery_redis_url(REDIS_URL)
CELERY_RESULT_BACKEND = "cache+memory://" if USE_IN_MEMORY_BACKENDS else _celery_redis_url(REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Local-model replies are generated by the inference worker (`celery worker -Q inference
# --concurrency 1`, one per GPU), which keeps the model loaded, instead of in every ASGI process. Off
# where Celery has no real workers (eager: unit tests), where the ASGI process generates in a thread.
INFERENCE_QUEUE = env("INFERENCE_QUEUE", default="inference")
INFERENCE_IN_WORKER = env.bool(
    "TROUPE_INFERENCE_IN_WORKER", default=not CELERY_TASK_ALWAYS_EAGER and not USE_IN_MEMORY_BACKENDS
)
INFERENCE_BATCHING = env.bool("INFERENCE_BATCHING", default=True)  # concurrent replies generated together
# A batched reply's pieces go out at most this often (first token and end at once): one Redis write
# and one WebSocket frame per interval and reply instead of one per token (training/batching.py).
INFERENCE_STREAM_INTERVAL_S = env.float("INFERENCE_STREAM_INTERVAL_S", default=0.05)
INFERENCE_KV_CACHE_TOKENS = env.int("INFERENCE_KV_CACHE_TOKENS", default=0)  # 0: from free GPU memory
INFERENCE_KV_PAGE_TOKENS = env.int("INFERENCE_KV_PAGE_TOKENS", default=0)  # 0: 256 on a GPU, 32 on a CPU
INFERENCE_STEP_TOKENS = env.int("INFERENCE_STEP_TOKENS", default=0)  # 0: transformers' on a GPU, 512 on a CPU
# Intra-op threads of torch in a process serving a local model: many small steps gain nothing from
# more, and OpenMP threads that spin waiting for a core the ASGI processes hold slow every op.
INFERENCE_TORCH_THREADS = env.int("INFERENCE_TORCH_THREADS", default=1)  # 0: torch's default
INFERENCE_CONCURRENCY = env.int("INFERENCE_CONCURRENCY", default=32)  # replies one inference worker takes at once
INFERENCE_QUEUE_TIMEOUT_S = env.float("INFERENCE_QUEUE_TIMEOUT_S", default=120.0)  # until a worker takes it
INFERENCE_STALL_TIMEOUT_S = env.float("INFERENCE_STALL_TIMEOUT_S", default=300.0)  # silence, model loading included
CELERY_TASK_ROUTES = {"training.tasks.*": {"queue": "training"}, "training.inference_reply": {"queue": INFERENCE_QUEUE}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Training jobs run for hours with acks_late: Redis must not hand an unacknowledged job to a second
# worker after the default hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_S", default=43200)}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic work run by `celery beat` (started by `manage.py serve`, and the `beat` compose service).
CELERY_BEAT_SCHEDULE = {
    "live-role-play-sweep": {
        "task": "roleplay.live_sweep",
        "schedule": env.float("LIVE_SWEEP_INTERVAL_S", default=15.0),
    },
    "annotation-release-expired-claims": {"task": "annotation.tasks_release_expired", "schedule": 60.0},
    "annotation-dialogue-review-tasks": {"task": "annotation.dialogue_review_tasks_sweep", "schedule": 60.0},
    "workforce-units-sync": {"task": "workforce.units_sync", "schedule": 60.0},
    "workforce-units-auto-approve": {"task": "workforce.units_auto_approve", "schedule": 3600.0},
    "evaluation-release-idle-sessions": {"task": "evaluation.assignments_release_idle", "schedule": 300.0},
}
# An evaluation session without a turn for this long is dropped: back to the pool, on nobody's quota.
EVALUATION_SESSION_IDLE_S = env.int("EVALUATION_SESSION_IDLE_S", default=6 * 3600)

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "platform_core.User"
# django-axes counts failed sign-ins (pages, admin, /api/token/) per account and per client address,
# and refuses further tries from either for AXES_COOLOFF_TIME once AXES_FAILURE_LIMIT is reached.
AUTHENTICATION_BACKENDS = [
    "platform_core.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "platform_core.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "platform_core.login_throttle.client_ip"
# Proxies in front of the web server that append to X-Forwarded-For; 0 = use the socket's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Content-Security-Policy: scripts and styles from this origin only (pages carry no inline script;
# the Redoc page's one inline script has a per-response nonce).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["platform_core.permissions.HasRequiredRole"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # platform_core.api_input: checked JSON bodies and declared query filters; platform_core.rest: 409s.
    "DEFAULT_PARSER_CLASSES": [
        "platform_core.api_input.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["platform_core.api_input.QueryFilters"],
    "EXCEPTION_HANDLER": "platform_core.rest.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Troupe API",
    "DESCRIPTION": "Crowdsourcing platform for character role-play language models.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set that several fields share (list filters, request and response bodies).
    "ENUM_NAME_OVERRIDES": {
        "EvaluationModeEnum": "evaluation.models.Mode.choices",
        "TopicEnum": "roleplay.models.Topic.choices",
        "CategoryEnum": "roleplay.models.CharacterCategory",
        "TaskKindEnum": "annotation.models.TaskKind",
        "PromptKindEnum": "roleplay.models.PromptKind",
    },
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- LLM provider (synthesis and prompt augmentation) -----------------------------------------
LLM_BASE_URL = env("LLM_BASE_URL", default="")
LLM_API_KEY = env("LLM_API_KEY", default="")
LLM_MODEL = env("LLM_MODEL", default="gpt-4")
LLM_TIMEOUT_S = env.float("LLM_TIMEOUT_S", default=60.0)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=4)
LLM_REQUESTS_PER_MINUTE = env.int("LLM_REQUESTS_PER_MINUTE", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Input limits (docs/operations.md, "Input limits") -----------------------------------------
# One uploaded file (literary works, synthesis JSONL imports), in bytes.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# An EPUB's unpacked size (the sum of its members), in bytes: refuses zip bombs before unpacking.
EPUB_MAX_UNPACKED_BYTES = env.int("EPUB_MAX_UNPACKED_BYTES", default=60 * 1024 * 1024)
# Chapters one literary work may be split into.
LITERARY_WORK_MAX_CHAPTERS = env.int("LITERARY_WORK_MAX_CHAPTERS", default=2000)
# Characters in each text field of a character profile (identity … greeting) and of a player persona.
CHARACTER_TEXT_MAX_CHARS = env.int("CHARACTER_TEXT_MAX_CHARS", default=2000)
# Phrases in a catchphrase or frequent-phrase list, and characters in each phrase.
CHARACTER_PHRASES_MAX = env.int("CHARACTER_PHRASES_MAX", default=50)
CHARACTER_PHRASE_MAX_CHARS = env.int("CHARACTER_PHRASE_MAX_CHARS", default=200)
# Characters in a character prompt (written, summarised, paraphrased or stylised).
PROMPT_TEXT_MAX_CHARS = env.int("PROMPT_TEXT_MAX_CHARS", default=8000)
# Form fields and JSON bodies other than file uploads (Django's own limit), in bytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# --- Annotation -------------------------------------------------------------------------------
# Independent reviews each submitted dialogue needs; disagreeing reviews go to an admin.
ANNOTATION_REVIEWS_PER_DIALOGUE = env.int("ANNOTATION_REVIEWS_PER_DIALOGUE", default=2)
# Per-source exceptions, e.g. "human_roleplay=1;literary=3" (sources: human_roleplay, llm_synthesis,
# literary, human_machine); a source left out takes ANNOTATION_REVIEWS_PER_DIALOGUE.
ANNOTATION_REVIEWS_PER_SOURCE = env.dict("ANNOTATION_REVIEWS_PER_SOURCE", cast={"value": int}, default={})
# A claimed task returns to the queue when its annotator has not submitted it within this time.
ANNOTATION_CLAIM_TIMEOUT_MINUTES = env.int("ANNOTATION_CLAIM_TIMEOUT_MINUTES", default=30)
# Share of served tasks that are gold tasks with known answers (when gold tasks exist).
ANNOTATION_GOLD_RATE = env.float("ANNOTATION_GOLD_RATE", default=0.1)
# LLM calls per synthesis item before malformed output is recorded as a failed item.
ANNOTATION_SYNTHESIS_ATTEMPTS = env.int("ANNOTATION_SYNTHESIS_ATTEMPTS", default=3)
# First backoff wait after a 429/5xx; doubles on each retry (Retry-After is honoured when longer).
LLM_BACKOFF_BASE_S = env.float("LLM_BACKOFF_BASE_S", default=1.0)

# --- Live role-play (roleplay/live/, roleplay/consumers.py) ------------------------------------
# Seconds and counts; each can be set in the environment. See docs/chat-protocol.md.
LIVE_MIN_TURNS = env.int("LIVE_MIN_TURNS", default=20)  # turns (greeting included) before finish unlocks
LIVE_IDLE_TIMEOUT_S = env.float("LIVE_IDLE_TIMEOUT_S", default=180.0)  # per turn, for the side whose turn it is
LIVE_JOIN_WINDOW_S = env.float("LIVE_JOIN_WINDOW_S", default=30.0)  # both must open the chat within this
LIVE_PARTNER_GRACE_S = env.float("LIVE_PARTNER_GRACE_S", default=60.0)  # away longer = partner_left
LIVE_QUEUE_RECONNECT_GRACE_S = env.float("LIVE_QUEUE_RECONNECT_GRACE_S", default=15.0)  # refresh keeps the place
LIVE_QUEUE_TICK_S = env.float("LIVE_QUEUE_TICK_S", default=2.0)  # waiting-room status and matchmaking period
LIVE_STRICT_TURN_TAKING = env.bool("LIVE_STRICT_TURN_TAKING", default=True)  # sides alternate
LIVE_ABANDON_THRESHOLD = env.int("LIVE_ABANDON_THRESHOLD", default=3)  # abandonments in 24 h -> soft block
LIVE_CREDIT_PER_WAIT_MINUTE = env.float("LIVE_CREDIT_PER_WAIT_MINUTE", default=0.05)
LIVE_CREDIT_STRANDED = env.float("LIVE_CREDIT_STRANDED", default=0.50)
LIVE_STRANDED_PRIORITY_WINDOW_S = env.float("LIVE_STRANDED_PRIORITY_WINDOW_S", default=3600.0)
# Automatic message checks; set a limit to 0 to switch that check off.
LIVE_MAX_MESSAGE_CHARS = env.int("LIVE_MAX_MESSAGE_CHARS", default=500)
LIVE_REPEAT_WINDOW = env.int("LIVE_REPEAT_WINDOW", default=3)  # refuse a copy of one's own last N turns
LIVE_PROFILE_COPY_MIN_CHARS = env.int("LIVE_PROFILE_COPY_MIN_CHARS", default=24)  # verbatim profile run
# Per socket: typing relays at most every LIVE_TYPING_INTERVAL_S seconds (extra ones are dropped).
LIVE_TYPING_INTERVAL_S = env.float("LIVE_TYPING_INTERVAL_S", default=1.0)
# Dotted path of the roleplay.live.partners.Partner subclass that plays a model's character seat
# (human–machine collection rounds).
LIVE_MODEL_PARTNER_CLASS = env("LIVE_MODEL_PARTNER_CLASS", default="roleplay.live.model_seat.ModelPartner")

# --- WebSockets (platform_core/websocket.py; docs/chat-protocol.md "Frames and limits") --------
# Per socket: frames a second on average and the burst allowed above it (0 = no limit); frames over
# the limit are ignored and answered with ``rate_limited`` (naming a refused message; else one a second).
WS_MAX_FRAMES_PER_S = env.float("WS_MAX_FRAMES_PER_S", default=20.0)
WS_FRAME_BURST = env.float("WS_FRAME_BURST", default=40.0)
WS_MAX_FRAME_CHARS = env.int("WS_MAX_FRAME_CHARS", default=16384)  # longer text frames: ``bad_frame``

# --- Exports ----------------------------------------------------------------------------------
# Worker ids in exported corpora become HMAC-SHA256(salt, id): keep the salt secret and stable,
# so one worker has the same pseudonym across export versions. Defaults to one derived from SECRET_KEY.
EXPORT_HASH_SALT = env("EXPORT_HASH_SALT", default="") or f"export-salt:{SECRET_KEY}"
# Processes that analyse a large build's candidate turns for personal data beside the build
# (exports/build/analysis.py); 0: the build analyses them itself. One where there is a core to spare.
EXPORT_ANALYSIS_PROCESSES = env.int("EXPORT_ANALYSIS_PROCESSES", default=1 if (os.cpu_count() or 1) > 1 else 0)

# Personal data (platform_core/privacy): a finding scoring at least the threshold is replaced in
# exports and counted by pii_audit. Live chat messages, rewrites and prompts that carry one of the
# refused kinds at or above the live threshold are refused with the code "personal_data".
PRIVACY_SCORE_THRESHOLD = env.float("PRIVACY_SCORE_THRESHOLD", default=0.5)
PRIVACY_LIVE_SCORE_THRESHOLD = env.float("PRIVACY_LIVE_SCORE_THRESHOLD", default=0.5)
PRIVACY_LIVE_REFUSED_KINDS = env.list("PRIVACY_LIVE_REFUSED_KINDS", default=["phone", "email", "handle", "address"])

# --- Training and inference (training/conf.py; docs/training.md) -------------------------------
TRAINING_OUTPUT_DIR = Path(env("TRAINING_OUTPUT_DIR", default=str(VAR_DIR / "training")))  # one folder per job
TRAINING_POLL_INTERVAL_S = env.float("TRAINING_POLL_INTERVAL_S", default=1.0)  # metrics read, cancel check
TRAINING_MAX_RESTARTS = env.int("TRAINING_MAX_RESTARTS", default=2)  # runner restarts from its checkpoint
TRAINING_STALE_AFTER_S = env.float("TRAINING_STALE_AFTER_S", default=300.0)  # heartbeat age = abandoned
TRAINING_PYTHON = env("TRAINING_PYTHON", default=sys.executable)  # the interpreter that runs the runner
INFERENCE_API_KEY = env("INFERENCE_API_KEY", default="")  # bearer token for OpenAI-compatible endpoints

# Keep database connections open between consumer calls (database_sync_to_async closes expired
# ones around every call; with 0 every chat message pays a new PostgreSQL connection).
LIVE_DB_CONN_MAX_AGE = env.int("DB_CONN_MAX_AGE", default=0)
if LIVE_DB_CONN_MAX_AGE:
    DATABASES["default"]["CONN_MAX_AGE"] = LIVE_DB_CONN_MAX_AGE
# Check a reused connection with a round trip (``SELECT 1``) before its first query in every
# request and every consumer call. Off by default: it costs one round trip per chat message, and
# a connection that died (database restart) fails one call, after which Django replaces it.
DB_CONN_HEALTH_CHECKS = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DB_CONN_HEALTH_CHECKS
# PostgreSQL: the live chat's message statements (roleplay/live/message_sql.py) are prepared once
# per connection. Off only behind a pooler that cannot keep prepared statements (PgBouncer in
# transaction mode before 1.21, or without max_prepared_statements).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and DB_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5

# --- Workforce (workforce/, docs/workforce.md) --------------------------------------------------
WORKFORCE_CURRENCY = env("WORKFORCE_CURRENCY", default="GBP")  # the study currency rows are paid in
WORKFORCE_AUTO_APPROVE_DAYS = env.int("WORKFORCE_AUTO_APPROVE_DAYS", default=7)
WORKFORCE_MIN_HOURLY = env("WORKFORCE_MIN_HOURLY", default="9.00")  # per hour, in WORKFORCE_CURRENCY
WORKFORCE_ACTIVE_GAP_CAP_S = env.int("WORKFORCE_ACTIVE_GAP_CAP_S", default=300)  # longer silences are not work
WORKFORCE_TASKS_PER_MINUTE = env.int("WORKFORCE_TASKS_PER_MINUTE", default=6)
WORKFORCE_MAX_PENDING = env.int("WORKFORCE_MAX_PENDING", default=5)  # units claimed and in progress at once
