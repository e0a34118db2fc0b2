"""Pages. Views stay thin: reads go through querysets and selectors, writes through services."""

from django.shortcuts import get_object_or_404, render

from .models import Category, Work


def home(request):
    rows = []
    for category in Category.objects.all():
        works = Work.objects.filter(category=category).safe_for(request.user)
        rows.append({"category": category, "top": list(works.top()[:8]), "pearls": list(works.pearls()[:8])})
    return render(request, "mangaki/home.html", {"rows": rows})


def work_detail(request, category: str, pk: int):
    work = get_object_or_404(
        Work.objects.select_related("category").prefetch_related("tags").safe_for(request.user),
        pk=pk,
        category__slug=category,
    )
    return render(request, "mangaki/work_detail.html", {"work": work})
