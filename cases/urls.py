"""URLs of the case pages; each page module lists its own."""

from .views import accounts, applicant, case_page, clerk, officer, public, supervisor

app_name = "cases"
urlpatterns = [
    *accounts.urlpatterns,
    *public.urlpatterns,
    *case_page.urlpatterns,
    *applicant.urlpatterns,
    *clerk.urlpatterns,
    *officer.urlpatterns,
    *supervisor.urlpatterns,
]
