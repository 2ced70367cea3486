from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from cases import api as cases_api
from catalogue import api as catalogue_api

router = DefaultRouter()
router.register("items", catalogue_api.ItemViewSet, basename="item")
router.register("departments", catalogue_api.DepartmentViewSet, basename="department")
router.register("regions", catalogue_api.RegionViewSet, basename="region")
router.register("offices", cases_api.OfficeViewSet, basename="office")
router.register("cases", cases_api.CaseViewSet, basename="case")
router.register("handoffs", cases_api.HandoffViewSet, basename="handoff")
router.register("notifications", cases_api.NotificationViewSet, basename="notification")

urlpatterns = [
    path("", include("catalogue.urls")),
    path("api/v1/inbox/", cases_api.InboxView.as_view(), name="inbox"),
    path("api/v1/track/", cases_api.TrackView.as_view(), name="track"),
    path("api/v1/auth/token/", cases_api.ObtainTokenView.as_view(), name="token"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
