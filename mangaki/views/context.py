"""What every page's template needs: the categories for the menu and who is browsing."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from ..recommendations.algorithms import DEFAULT, SPECS
from ..services.guests import is_guest
from .cards import COVER_HEIGHT, COVER_WIDTH, RATING_BUTTONS, categories


def site(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "nav_categories": SimpleLazyObject(lambda: categories(request)),
        "is_guest": SimpleLazyObject(lambda: is_guest(user)),
        "rating_buttons": RATING_BUTTONS,
        "cover_size": {"width": COVER_WIDTH, "height": COVER_HEIGHT},
        "model_report_public": settings.MANGAKI_PUBLIC_MODEL_REPORT,
        # The one number every "rate at least…" message says: the default algorithm's.
        "min_ratings": SPECS[DEFAULT].min_ratings,
    }
