"""What the OpenAPI document says of our own API classes (drf-spectacular extensions, loaded in apps.py)."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class TokenScheme(KnoxTokenScheme):
    """Our token check is knox's (cases.authentication): the same `Authorization: Token …` scheme."""

    target_class = "cases.authentication.TokenAuthentication"
