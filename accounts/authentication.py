import binascii

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """``Authorization: Token <key>``: knox tokens, stored hashed, with an expiry.

    One query per request: the token is found by its SHA-512 digest (knox's primary key) together
    with its user. Knox's own check also reads every other token of the user on every request to
    delete the expired ones; that housekeeping does not decide who gets in (an expired token is
    refused and deleted when it is presented, here as in knox), so it is left to login.

    Nothing is cached: a revoked (deleted) token or a deactivated user is refused on the very
    next request, and the one indexed lookup costs about as much as a cache round trip would.
    """

    def authenticate_credentials(self, token):
        invalid = exceptions.AuthenticationFailed("Invalid token.")
        token = token.decode("utf-8")
        try:
            digest = hash_token(token)
        except (TypeError, binascii.Error):
            raise invalid from None
        # The digest is the lookup key (an exact match on a hash the caller cannot choose), so no
        # comparison of secrets happens in Python; the key prefix is knox's index, checked as well.
        auth_token = (
            get_token_model()
            .objects.select_related("user")
            .filter(digest=digest, token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
            .first()
        )
        if auth_token is None:
            raise invalid
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            raise invalid
        if knox_settings.AUTO_REFRESH and auth_token.expiry:
            self.renew_token(auth_token)
        return self.validate_user(auth_token)
