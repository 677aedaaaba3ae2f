from django.urls import path

from evaluation import views, work_views

app_name = "evaluation"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/open/", views.campaign_open, name="campaign-open"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign-close"),
    path("campaigns/<int:pk>/judge/", views.campaign_judge, name="campaign-judge"),
    path("campaigns/<int:pk>/results/", views.campaign_results, name="campaign-results"),
    path("campaigns/<int:pk>/download/<str:fmt>/", views.campaign_download, name="campaign-download"),
    path("work/", work_views.work_list, name="work"),
    path("work/<int:pk>/own-character/", work_views.own_character, name="own-character"),
    path("work/<int:pk>/<str:mode>/", work_views.work_start, name="work-start"),
    path("sessions/<int:pk>/", work_views.session_page, name="session"),
    path("sessions/<int:pk>/reply/", work_views.session_reply, name="session-reply"),
]
