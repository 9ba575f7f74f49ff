"""The authentication backends, loading a signed-in request's user with precompiled SQL.

Every signed-in request loads its user: the session's auth hash is checked against the
password's, and the MFA rule reads the user's role. Building that one query was a fifth of
an exam status poll's CPU. The user is read by the same SQL the ORM would send, compiled
once per thread; everything else (which users may sign in, the hash check, how they
authenticate) is Django's and allauth's.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthAuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import router

from config.queries import PrecompiledRecord

_UserModel = get_user_model()
_USER_BY_ID = PrecompiledRecord(lambda user_id: _UserModel._default_manager.filter(pk=user_id), user_id=-7_319_000)


class _PrecompiledUserLoading:
    def get_user(self, user_id):
        try:
            user = _USER_BY_ID.get(using=router.db_for_read(_UserModel), user_id=user_id)
        except _UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_PrecompiledUserLoading, DjangoModelBackend):
    pass


class AuthenticationBackend(_PrecompiledUserLoading, AllauthAuthenticationBackend):
    pass
