from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import (
    accounts,
    catalogue,
    imports,
    media,
    profiles,
    progress,
    ratings,
    recommendations,
    report,
    search,
    seasons,
    site_files,
)

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    # Covers from the default storage, in development and production (views/media.py says why).
    path("media/covers/<path:name>", media.cover, name="cover"),
    path("recommendations/", recommendations.recommendations, name="recommendations"),
    path("works/<int:pk>/rate/", ratings.rate, name="rate"),
    path("works/<int:pk>/progress/", progress.progress, name="progress"),
    path("works/<int:pk>/franchise-hidden/", ratings.franchise_hidden, name="franchise-hidden"),
    path("search/suggest/", search.suggest, name="search-suggest"),
    path("import/", imports.import_list, name="import"),
    path("import/<int:pk>/", imports.import_detail, name="import-detail"),
    path("models/", report.model_report, name="model-report"),
    path("models/plots/<slug:name>.svg", report.model_plot, name="model-plot"),
    path("profile/", profiles.my_profile, name="my-profile"),
    path("settings/", profiles.profile_settings, name="settings"),
    path("u/<str:username>/", profiles.profile, name="profile"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/delete/", accounts.delete_account, name="account-delete"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/", include("mangaki.api.urls")),
    path("admin/", admin.site.urls),
    # Seasons and the airing calendar: before the category pages, which would take "season".
    path("<slug:category>/season/", seasons.this_season, name="this-season"),
    path("<slug:category>/season/<int:year>/<str:season>/", seasons.season_page, name="season"),
    path("<slug:category>/calendar/", seasons.calendar, name="calendar"),
    # Category pages last: their first path segment is a category slug.
    path("<slug:category>/", catalogue.work_list, name="work-list"),
    path("<slug:category>/<int:pk>/", catalogue.work_detail, name="work-detail"),
]
