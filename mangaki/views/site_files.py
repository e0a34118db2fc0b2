"""Files browsers ask for at fixed addresses, whatever the page links: ``/favicon.ico``."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """The site's icon (an SVG in ``static/``), for browsers that ask ``/favicon.ico`` anyway."""
    return HttpResponseRedirect(static("favicon.svg"))
