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

from config.queries import PrecompiledQuery

_UserModel = get_user_model()
_FIELDS = tuple(field.attname for field in _UserModel._meta.concrete_fields)
_USER_BY_ID = PrecompiledQuery(
    lambda user_id: _UserModel._default_manager.filter(pk=user_id).values_list(*_FIELDS), user_id=-7_319_004
)


class _PrecompiledUserLoading:
    def get_user(self, user_id):
        alias = router.db_for_read(_UserModel)
        row = _USER_BY_ID.first(using=alias, user_id=user_id)
        if row is None:
            return None
        user = _UserModel.from_db(alias, _FIELDS, row)
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_PrecompiledUserLoading, DjangoModelBackend):
    pass


class AuthenticationBackend(_PrecompiledUserLoading, AllauthAuthenticationBackend):
    pass
