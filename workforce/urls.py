from django.urls import path

from workforce.views import staff, study, worker

app_name = "workforce"
urlpatterns = [
    # The worker's own
    path("me/earnings/", worker.earnings, name="earnings"),
    path("me/work/", worker.work_history, name="work-history"),
    path("me/qualifications/", worker.qualifications, name="qualifications"),
    path("onboarding/<int:pk>/", worker.onboarding_detail, name="onboarding"),
    path("attempts/<int:pk>/", worker.attempt, name="attempt"),
    # Study links
    path("study/<slug:slug>/", study.study_arrival, name="study"),
    path("study/<slug:slug>/home/", study.study_home, name="study-home"),
    path("study/<slug:slug>/complete/", study.study_complete, name="study-complete"),
    # Admins
    path("review/", staff.review_queue, name="review"),
    path("review/bulk/", staff.review_bulk, name="review-bulk"),
    path("review/<int:pk>/", staff.review_unit, name="review-unit"),
    path("workers/", staff.worker_list, name="workers"),
    path("workers/<int:pk>/", staff.worker_detail, name="worker-detail"),
    path("payouts/", staff.payouts, name="payouts"),
    path("payouts/<int:pk>/<str:fmt>/", staff.payout_download, name="payout-download"),
    path("fair-pay/", staff.fair_pay_page, name="fair-pay"),
]
