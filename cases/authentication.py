"""How an API request's token is checked (settings.REST_FRAMEWORK, DEFAULT_AUTHENTICATION_CLASSES).

Its own module, importing no view: DRF imports the authentication classes while it defines its
views (cases/tokens.py has the token views and the sweep of expired tokens).
"""

from django.utils import timezone
from knox import auth as knox_auth
from knox.signals import token_expired


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's token check, without its sweep of the account's other tokens on every request.

    knox reads every token of the account on each request to delete the expired ones: one query more
    on every API call (and more rows for an integration holding many tokens). The token presented
    is still refused and deleted once expired, as knox does; the account's other expired tokens are
    deleted by the periodic task `cases.clear_expired_tokens` (`tokens.clear_expired`).
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True
