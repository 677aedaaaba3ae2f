from django.utils.translation import gettext_lazy as _

from platform_core.home import Capability
from platform_core.permissions import WORKFORCE_ADMINS, WORKFORCE_SELF

CAPABILITIES = (
    Capability(WORKFORCE_SELF, _("My earnings"), _("Pending, approved and paid money, per day and per hour."),
               "workforce:earnings"),
    Capability(WORKFORCE_SELF, _("My work"), _("Your units of work and how they were reviewed."),
               "workforce:work-history"),
    Capability(WORKFORCE_SELF, _("My qualifications"), _("What you may do, onboarding quizzes, and block status."),
               "workforce:qualifications"),
    Capability(WORKFORCE_ADMINS, _("Review work"), _("Accept or reject submitted work, with bonuses and blocks."),
               "workforce:review"),
    Capability(WORKFORCE_ADMINS, _("Workers"), _("Per-worker statistics, blocks, qualifications and messages."),
               "workforce:workers"),
    Capability(WORKFORCE_ADMINS, _("Payouts"), _("Build payout batches and export Prolific or CSV files."),
               "workforce:payouts"),
    Capability(WORKFORCE_ADMINS, _("Fair pay"), _("Median time and effective hourly rate per task kind; top-ups."),
               "workforce:fair-pay"),
)
