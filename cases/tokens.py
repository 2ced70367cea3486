"""API tokens: obtain one with a password, revoke it (owner) or any (admin); they expire.

Tokens are django-rest-knox's: only a SHA-512 digest is stored, each has an expiry
(`TOKEN_TTL_HOURS`, default 8 like a staff session), and a user may hold several (one per
client), each revocable on its own. Clients send `Authorization: Token <token>`.
"""

from django.contrib import admin
from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import ERROR, R400, R401
from .authentication import TokenAuthentication


def clear_expired() -> int:
    """Delete every expired token (none of them authenticates any more); how many were deleted."""
    deleted, _by_model = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


class TokenRequestSerializer(serializers.Serializer):
    # Bounded before django-axes records the attempt: its username column holds 255 characters.
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)

    def validate(self, attrs):
        user = authenticate(
            request=self.context["request"], username=attrs["username"], password=attrs["password"]
        )
        if user is None:  # wrong password, inactive account, or locked out by django-axes
            raise serializers.ValidationError(_("Unable to log in with provided credentials."))
        return {"user": user}


class ObtainTokenView(APIView):
    """Exchange a username and password for an expiring API token (throttled, and locked out by axes)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "token"

    @extend_schema(
        summary=_("Get an API token"),
        description=_(
            "Send it as `Authorization: Token <token>`. It expires at `expiry` "
            "(TOKEN_TTL_HOURS after it was issued); revoke it earlier with /api/v1/auth/logout/."
        ),
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
            ),
            400: R400,
            429: OpenApiResponse(ERROR, description=_("Too many attempts; wait a minute.")),
        },
    )
    def post(self, request):
        form = TokenRequestSerializer(data=request.data, context={"request": request})
        if not form.is_valid():
            if getattr(request, "axes_locked_out", False):  # set by django-axes on a locked-out login
                return Response(
                    {"detail": _("Too many failed logins. Try again in 15 minutes.")},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise exceptions.ValidationError(form.errors)
        user = form.validated_data["user"]
        instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        # Records last_login, and lets django-axes log the success and reset the failure count.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        expiry = serializers.DateTimeField().to_representation(instance.expiry)
        return Response({"token": token, "expiry": expiry})


REVOKED = OpenApiResponse(description=_("Revoked; the token no longer works."))


@extend_schema(
    summary=_("Revoke the token of this request"), request=None, responses={204: REVOKED, 401: R401}
)
class RevokeTokenView(knox_views.LogoutView):
    """The owner signs a client out: the token sent with this request stops working at once."""

    authentication_classes = (TokenAuthentication,)


@extend_schema(
    summary=_("Revoke all my tokens"),
    description=_("Signs every client of this account out, e.g. after a device is lost."),
    request=None,
    responses={204: REVOKED, 401: R401},
)
class RevokeAllTokensView(knox_views.LogoutAllView):
    """The owner signs every client out: all of the account's tokens stop working at once."""

    authentication_classes = (TokenAuthentication,)


class TokenAdmin(admin.ModelAdmin):
    """Admins see who holds which tokens and revoke (delete) them; tokens are never made or edited here.

    Creating a token in the admin would let an admin act through the API as anyone, and knox
    would show the secret in a flash message: tokens are issued only to their owner's password.
    """

    list_display = ["key_start", "owner", "issued", "expires", "expired"]
    list_select_related = ["user"]
    search_fields = ["user__username", "token_key"]
    ordering = ["-created"]
    fields = ["key_start", "owner", "issued", "expires"]
    readonly_fields = fields

    @admin.display(description=_("令牌开头"), ordering="token_key")
    def key_start(self, token):
        return f"{token.token_key[:8]}…"

    @admin.display(description=_("所属用户"), ordering="user__username")
    def owner(self, token):
        return token.user

    @admin.display(description=_("签发时间"), ordering="created")
    def issued(self, token):
        return token.created

    @admin.display(description=_("到期时间"), ordering="expiry")
    def expires(self, token):
        return token.expiry

    @admin.display(description=_("已过期"), boolean=True)
    def expired(self, token):
        return token.expiry is not None and token.expiry <= timezone.now()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def register_admin(site: admin.AdminSite) -> None:
    """Replace knox's admin of its tokens by `TokenAdmin`, with Chinese-first names.

    knox's model has no verbose names of its own. Setting them on `_meta` (not in `Meta`) only
    changes what the admin shows: migrations read `original_attrs`, so knox needs no migration.
    """
    AuthToken._meta.verbose_name = _("接口令牌")
    AuthToken._meta.verbose_name_plural = _("接口令牌")
    AuthToken._meta.app_config.verbose_name = _("接口访问")
    if site.is_registered(AuthToken):
        site.unregister(AuthToken)
    site.register(AuthToken, TokenAdmin)
