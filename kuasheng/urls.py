from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from catalogue import api as catalogue_api

router = DefaultRouter()
router.register("items", catalogue_api.ItemViewSet, basename="item")
router.register("departments", catalogue_api.DepartmentViewSet, basename="department")
router.register("regions", catalogue_api.RegionViewSet, basename="region")

urlpatterns = [
    path("", include("catalogue.urls")),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
