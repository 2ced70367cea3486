from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases import api as cases_api
from cases import tokens
from catalogue import api as catalogue_api
from kuasheng import views as site_views

router = DefaultRouter()
router.register("items", catalogue_api.ItemViewSet, basename="item")
router.register("departments", catalogue_api.DepartmentViewSet, basename="department")
router.register("regions", catalogue_api.RegionViewSet, basename="region")
router.register("windows", catalogue_api.ServiceWindowViewSet, basename="window")
router.register("offices", cases_api.OfficeViewSet, basename="office")
router.register("cases", cases_api.CaseViewSet, basename="case")
router.register("handoffs", cases_api.HandoffViewSet, basename="handoff")
router.register("notifications", cases_api.NotificationViewSet, basename="notification")
router.register("reveals", cases_api.RevealRecordViewSet, basename="reveal")

tokens.register_admin(admin.site)  # before admin.site.urls below builds the admin's URLs

urlpatterns = [
    path("", include("catalogue.urls")),
    path("", include("cases.urls")),
    path("api/v1/inbox/", cases_api.InboxView.as_view(), name="inbox"),
    path("api/v1/track/", cases_api.TrackView.as_view(), name="track"),
    path("api/v1/dashboard/", cases_api.DashboardView.as_view(), name="dashboard"),
    path("api/v1/auth/token/", tokens.ObtainTokenView.as_view(), name="token"),
    path("api/v1/auth/logout/", tokens.RevokeTokenView.as_view(), name="token-revoke"),
    path("api/v1/auth/logoutall/", tokens.RevokeAllTokensView.as_view(), name="token-revoke-all"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline, so the CSP needs
    # no 'unsafe-inline'. No Redoc: its page fetches fonts from the internet.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/setlang/", site_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# On /api/ these answer in JSON like every other API error; elsewhere Django's pages.
handler400 = "kuasheng.middleware.bad_request"
handler404 = "kuasheng.middleware.not_found"
handler500 = "kuasheng.middleware.server_error"
