from django.urls import path

from workforce import api

urlpatterns = [
    path("me/units/", api.MyUnitsView.as_view(), name="workforce-api-my-units"),
    path("me/earnings/", api.MyEarningsView.as_view(), name="workforce-api-my-earnings"),
    path("units/<int:pk>/review/", api.UnitReviewView.as_view(), name="workforce-api-unit-review"),
    path("units/<int:pk>/bonus/", api.UnitBonusView.as_view(), name="workforce-api-unit-bonus"),
]
