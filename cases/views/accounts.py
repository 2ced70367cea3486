"""Pages for everyone: log in (one page for every role), log out, register as an applicant.

After logging in each role lands on its own start page (`start_page_for`); a safe `next` wins.
Password guessing is stopped by django-axes, whose lockout answer is `lockout_response`.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import roles, selectors
from cases.forms.accounts import RegistrationForm

# The start page of each role (built in cases/views/<role>.py); catalogue admins use the admin.
START_PAGES = {
    roles.APPLICANT: "cases:my_cases",
    roles.WINDOW_CLERK: "cases:clerk_home",
    roles.HANDLING_OFFICER: "cases:officer_inbox",
    roles.SUPERVISOR: "cases:supervisor_home",
}


def start_page_for(user) -> str:
    """Where `user` starts: their role's page; the home page while that page does not exist yet."""
    actor = selectors.actor_for(user)
    if actor.role in roles.STAFF_ROLES:
        name = START_PAGES[actor.role]
    elif user.is_staff:  # a catalogue admin (staff without an office) or a superuser
        name = "admin:index"
    elif actor.role == roles.APPLICANT:
        name = START_PAGES[roles.APPLICANT]
    else:  # may view every case but has no page of their own
        name = "catalogue:home"
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse("catalogue:home")


class LoginView(auth_views.LoginView):
    """Django's login with the site's template; each role lands on its start page unless `next` is safe."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return start_page_for(self.request.user)


@login_required
def start(request):
    """The header's link to "my page": whichever start page the logged-in user has."""
    return redirect(start_page_for(request.user))


@require_http_methods(["GET", "POST"])
def register(request):
    """An applicant account with a verified identity; logs the new applicant in."""
    if request.user.is_authenticated:
        return redirect(start_page_for(request.user))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user is not None:
            auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(start_page_for(user))
    return render(request, "cases/accounts/register.html", {"form": form})


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a page, status 429.

    The API token view answers a lockout itself, in JSON; that answer is kept.
    """
    if request.path.startswith("/api/"):
        if original_response is not None and original_response.status_code == 429:
            return original_response
        return JsonResponse(
            {"detail": _("Too many failed logins. Try again later.")},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    response = render(request, "cases/accounts/lockout.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="catalogue:home"), name="logout"),
    path("register/", register, name="register"),
    path("start/", start, name="start"),
]
