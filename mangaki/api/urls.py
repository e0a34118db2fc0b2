"""Routes of the API, mounted at ``/api/`` by the project's urls."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .account import AccountView, TokenView
from .catalogue import CategoryViewSet, TagViewSet, WorkViewSet
from .export import RatingExportView
from .franchises import HiddenFranchiseViewSet
from .imports import RatingImportViewSet
from .profiles import PublicRatingViewSet
from .progress import ProgressViewSet
from .ratings import RatingViewSet
from .recommendations import RecommendationsView
from .registry import TrainedModelViewSet
from .seasons import CalendarView
from .views import HealthView, not_found

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("categories", CategoryViewSet, basename="category")
router.register("tags", TagViewSet, basename="tag")
router.register("works", WorkViewSet, basename="work")
router.register("ratings", RatingViewSet, basename="rating")
router.register("progress", ProgressViewSet, basename="progress")
router.register(r"users/(?P<username>[^/]+)/ratings", PublicRatingViewSet, basename="public-rating")
router.register("models", TrainedModelViewSet, basename="trained-model")
router.register("imports", RatingImportViewSet, basename="rating-import")
router.register("franchises/hidden", HiddenFranchiseViewSet, basename="hidden-franchise")

app_name = "api"
urlpatterns = [
    # Before the router's ratings/<work>/ route, which would take "export" for a work id.
    path("ratings/export/", RatingExportView.as_view(), name="rating-export"),
    *router.urls,
    path("recommendations/", RecommendationsView.as_view(), name="recommendations"),
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("account/", AccountView.as_view(), name="account"),
    path("health/", HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from this site; its script is a separate request (the split view), so the
    # page needs no inline script, only the few inline style rules of its template and the
    # data: icons of its stylesheet.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    # Anything else under /api/ is a JSON 404, not the site's HTML page.
    re_path(r"^[\s\S]*$", not_found),  # not ".": a newline (%0A) in the path is ours too
]
