"""Security events this app records by itself, from Django's signals: sign-ins, their
failures and sign-outs; group and permission changes; ``is_staff``, ``is_superuser`` and
``is_active`` changes of any user. (Staff profiles, which accounts owns, are recorded by
``accounts/security.py``.)"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

from govhall.audit.models import Kind
from govhall.audit.services import current_address, current_channel, record

User = get_user_model()
_WATCHED = ("is_staff", "is_superuser", "is_active")


def _channel(request) -> str:
    if channel := current_channel():
        return channel
    path = getattr(request, "path", "") or ""
    return "admin" if path.startswith("/admin/") else "web"


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def signed_in(sender, request, user, **kwargs):
    record(kind=Kind.SIGN_IN, actor=user, subject=user, request=request, data={"channel": _channel(request)})


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def signed_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        record(kind=Kind.SIGN_OUT, actor=user, subject=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    """The account tried, when it exists; an unknown name only as a keyed hash (it may be
    a mistyped password or a phone number), which still groups the attempts on one name."""
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    account = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    data = {"channel": _channel(request)}
    if account is None:
        data["unknown_username"] = salted_hmac("govhall.audit.username", username).hexdigest()[:16]
    record(
        kind=Kind.SIGN_IN_FAILED,
        actor=None,
        subject=account,
        address=None if request is not None else current_address(),
        request=request,
        data=data,
    )


# --------------------------------------------------------------------------- groups and permissions


def _names(model, pks) -> list[str]:
    if model is Group:
        return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))
    if model is User:
        return sorted(str(pk) for pk in pks)
    return sorted(
        f"{app}.{code}"
        for app, code in model.objects.filter(pk__in=pks).values_list("content_type__app_label", "codename")
    )


def _m2m(kind: Kind, what: str, *, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":  # what is about to go, for the post_clear that follows
        instance._audit_cleared = set(getattr(instance, kwargs["field"]).values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    pks = instance.__dict__.pop("_audit_cleared", set()) if action == "post_clear" else set(pk_set or ())
    if not pks:
        return
    verb = "added" if action == "post_add" else "removed"
    if not reverse:  # user.groups.add(group): one user, these groups
        record(kind=kind, subject=instance, data={f"{what}_{verb}": _names(model, pks)})
    else:  # group.user_set.add(user): this group, these users
        label = (
            instance.name if isinstance(instance, Group) else f"{instance.content_type.app_label}.{instance.codename}"
        )
        for user in User._default_manager.filter(pk__in=pks):
            record(kind=kind, subject=user, data={f"{what}_{verb}": [label]})


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_groups")
def groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _m2m(
        Kind.ROLE_CHANGED,
        "groups",
        instance=instance,
        action=action,
        reverse=reverse,
        model=model,
        pk_set=pk_set,
        field="user_set" if reverse else "groups",
    )


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_permissions")
def user_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _m2m(
        Kind.PERMISSION_CHANGED,
        "permissions",
        instance=instance,
        action=action,
        reverse=reverse,
        model=model,
        pk_set=pk_set,
        field="user_set" if reverse else "user_permissions",
    )


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit_group_permissions")
def group_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A group's permissions: every member's change at once, recorded once on the group."""
    if action == "pre_clear":
        instance._audit_cleared = set(
            (instance.permissions if not reverse else instance.group_set).values_list("pk", flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    pks = instance.__dict__.pop("_audit_cleared", set()) if action == "post_clear" else set(pk_set or ())
    if not pks:
        return
    verb = "added" if action == "post_add" else "removed"
    if not reverse:
        record(
            kind=Kind.PERMISSION_CHANGED,
            subject=instance,
            data={"group": instance.name, f"permissions_{verb}": _names(model, pks)},
        )
    else:
        label = f"{instance.content_type.app_label}.{instance.codename}"
        for group in Group.objects.filter(pk__in=pks):
            record(
                kind=Kind.PERMISSION_CHANGED, subject=group, data={"group": group.name, f"permissions_{verb}": [label]}
            )


# --------------------------------------------------------------------------- is_staff, is_superuser, is_active


@receiver(pre_save, sender=User, dispatch_uid="audit_user_flags_before")
def user_flags_before(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_WATCHED):
        return  # e.g. last_login, password: nothing watched can change
    old = User._default_manager.filter(pk=instance.pk).values(*_WATCHED).first()
    instance.__dict__["_audit_flags"] = old


@receiver(post_save, sender=User, dispatch_uid="audit_user_flags_after")
def user_flags_after(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    old = instance.__dict__.pop("_audit_flags", None)
    if created:
        changes = {f: [None, True] for f in ("is_staff", "is_superuser") if getattr(instance, f)}
    elif old is not None:
        changes = {f: [old[f], getattr(instance, f)] for f in _WATCHED if old[f] != getattr(instance, f)}
    else:
        return
    if changes:
        record(kind=Kind.PERMISSION_CHANGED, subject=instance, data=changes)
