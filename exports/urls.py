from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.build_list, name="build-list"),
    path("new/", views.build_create, name="build-create"),
    path("builds/<int:pk>/", views.build_detail, name="build-detail"),
    path("builds/<int:pk>/rerun/", views.build_rerun, name="build-rerun"),
    path("builds/<int:pk>/download/", views.build_download_archive, name="build-download"),
    path("builds/<int:pk>/download/<path:name>", views.build_download_file, name="build-download-file"),
]
