from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/new/", views.job_create, name="job-create"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
    path("jobs/<int:pk>/resume/", views.job_resume, name="job-resume"),
    path("models/", views.model_list, name="model-list"),
    path("models/<int:pk>/", views.model_detail, name="model-detail"),
    path("models/<int:pk>/deploy/", views.model_deploy, name="model-deploy"),
    path("deployments/rollback/", views.deployment_rollback, name="deployment-rollback"),
    path("chat/", views.chat_start, name="chat-start"),
]
