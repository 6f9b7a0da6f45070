from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("me/", views.profile_detail, name="profile"),
    path("me/edit/", views.profile_edit, name="profile-edit"),
    path("me/export.json", views.account_export, name="export"),
    path("me/delete/", views.account_delete, name="delete"),
]
