from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:category>/<int:pk>/", views.work_detail, name="work-detail"),
    path("admin/", admin.site.urls),
]
