"""Users, embed users, user attributes and `login_user`: what a proxy needs to run each caller as a Looker user.

Admin-only operations answer 403 to a user's (non-service-account) token, as Looker refuses non-admins.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, request

from ..access import current_user
from ..users import SERVICE_ACCOUNT_ID, DirectoryError, User, UserAttribute
from ..wire import body_json, error, json_response, operation, state

bp = Blueprint("users", __name__, url_prefix="/api/4.0")
controls = Blueprint("user_controls", __name__, url_prefix="/__emulator")


def _answers_directory_errors(view):
    """Turn a refusal of the directory into Looker's error body."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DirectoryError as exc:
            return error(exc.status, exc.message, exc.errors)

    return wrapper


def _admin_only() -> None:
    user = current_user()
    if user is None or user.id != SERVICE_ACCOUNT_ID:
        raise DirectoryError(403, "Forbidden: this operation needs an admin")


def _user(user_id: str) -> User:
    user = state().users.user(user_id)
    viewer = current_user()
    if user is None or viewer is None or (viewer.id != SERVICE_ACCOUNT_ID and viewer.id != user.id):
        raise DirectoryError(404, "Not found")
    return user


# ---- shapes of the official spec ----------------------------------------------------------------------------
def user_json(user: User) -> dict:
    """Return a user in the spec's `User` shape."""
    base = request.host_url.rstrip("/")
    embed = []
    if user.is_embed:
        embed.append(
            {
                "id": user.id,
                "external_user_id": user.external_user_id,
                "external_group_id": user.external_group_id,
                "created_at": user.created_at,
                "logged_in_at": user.logged_in_at,
                "is_disabled": False,
                "type": "embed",
                "url": f"{base}/api/4.0/users/{user.id}/credentials_embed/{user.id}",
                "can": {},
            }
        )
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "email": user.email,
        "is_disabled": False,
        "locale": "en",
        "verified_looker_employee": False,
        "presumed_looker_employee": False,
        "role_ids": [] if user.is_embed else ["2"],
        "group_ids": list(user.group_ids),
        "credentials_embed": embed,
        "is_service_account": False,
        "can_manage_api3_creds": not user.is_embed,
        "roles_externally_managed": False,
        "allow_direct_roles": True,
        "allow_normal_group_membership": not user.is_embed,
        "allow_roles_from_normal_groups": not user.is_embed,
        "is_iam_admin": False,
        "url": f"{base}/api/4.0/users/{user.id}",
        "can": {},
    }


def _public_json(user: User) -> dict:
    base = request.host_url.rstrip("/")
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "avatar_url": f"{base}/avatar/{user.id}",
        "url": f"{base}/api/4.0/users/{user.id}",
        "can": {},
    }


def _attribute_json(attribute: UserAttribute) -> dict:
    return {
        "id": attribute.id,
        "name": attribute.name,
        "label": attribute.label,
        "type": attribute.type,
        "default_value": attribute.default_value,
        "is_system": attribute.is_system,
        "is_permanent": attribute.is_system,
        "value_is_hidden": attribute.value_is_hidden,
        "user_can_view": attribute.user_can_view,
        "user_can_edit": attribute.user_can_edit,
        "hidden_value_domain_whitelist": None,
        "needed_for_ci_run": False,
        "value_for_ci_run": None,
        "can": {"show": True, "index": True, "update": not attribute.is_system, "set_value": not attribute.is_system},
    }


def _value_json(user: User, attribute: UserAttribute, value: str | None, source: str | None) -> dict:
    return {
        "name": attribute.name,
        "label": attribute.label,
        "rank": None,
        "value": None if attribute.value_is_hidden else value,
        "user_id": user.id,
        "user_can_edit": attribute.user_can_edit,
        "value_is_hidden": attribute.value_is_hidden,
        "user_attribute_id": attribute.id,
        "source": source,
        "hidden_value_domain_whitelist": None,
        "can": {"show": True},
    }


# ---- user attributes ----------------------------------------------------------------------------------------
@bp.get("/user_attributes")
@operation("all_user_attributes")
def all_user_attributes():
    """List every user attribute."""
    return json_response([_attribute_json(a) for a in state().users.attributes.values()])


@bp.post("/user_attributes")
@operation("create_user_attribute")
@_answers_directory_errors
def create_user_attribute():
    """Create a user attribute; its name and label must be new."""
    _admin_only()
    return json_response(_attribute_json(state().users.create_attribute(body_json())))


@bp.get("/user_attributes/<attribute_id>")
@operation("user_attribute")
@_answers_directory_errors
def user_attribute(attribute_id: str):
    """Return one user attribute."""
    return json_response(_attribute_json(state().users.attribute(attribute_id)))


@bp.patch("/user_attributes/<attribute_id>")
@operation("update_user_attribute")
@_answers_directory_errors
def update_user_attribute(attribute_id: str):
    """Change a user attribute, its default value included."""
    _admin_only()
    return json_response(_attribute_json(state().users.update_attribute(attribute_id, body_json())))


# ---- users ----------------------------------------------------------------------------------------------------
@bp.get("/users/<user_id>")
@operation("user")
@_answers_directory_errors
def get_user(user_id: str):
    """Return a user (a non-admin sees only itself)."""
    return json_response(user_json(_user(user_id)))


@bp.get("/users/credential/<credential_type>/<path:credential_id>")
@operation("user_for_credential")
@_answers_directory_errors
def user_for_credential(credential_type: str, credential_id: str):
    """Find a user by a credential: an embed user by external_user_id, the service account by its client id."""
    _admin_only()
    users = state().users
    if credential_type == "embed":
        found = users.embed_user(credential_id)
    elif credential_type == "api3" and credential_id == state().config.client_id:
        found = users.user(SERVICE_ACCOUNT_ID)
    elif credential_type == "email":
        found = next((u for u in users.users.values() if u.email and u.email == credential_id), None)
    else:
        found = None
    if found is None:
        raise DirectoryError(404, "Not found")
    return json_response(user_json(found))


@bp.post("/users/embed_user")
@operation("create_embed_user")
@_answers_directory_errors
def create_embed_user():
    """Create an embed user for an external user id (no models or permissions until an embed session gives them)."""
    _admin_only()
    return json_response(_public_json(state().users.create_embed_user(str(body_json().get("external_user_id") or ""))))


@bp.post("/login/<user_id>")
@operation("login_user")
@_answers_directory_errors
def login_user(user_id: str):
    """Issue a token that runs every call as the given user (admins only)."""
    _admin_only()
    if state().users.user(user_id) is None:
        raise DirectoryError(404, "Not found")
    token = state().issue_token(user_id)
    return json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": state().token_ttl(user_id), "refresh_token": None}
    )


# ---- attribute values -----------------------------------------------------------------------------------------
@bp.get("/users/<user_id>/attribute_values")
@operation("user_attribute_user_values")
@_answers_directory_errors
def user_attribute_user_values(user_id: str):
    """Return the values a user has: its own, else the default; unset ones only with include_unset=true."""
    user, users = _user(user_id), state().users
    wanted = {i for i in request.args.get("user_attribute_ids", "").split(",") if i}
    include_unset = request.args.get("include_unset") == "true"
    all_values = request.args.get("all_values") == "true"
    out = []
    for attribute in users.attributes.values():
        if wanted and attribute.id not in wanted:
            continue
        value, source = users.value(user, attribute)
        if value is None and not include_unset:
            continue
        out.append(_value_json(user, attribute, value, source))
        if all_values and source == "User" and attribute.default_value not in (None, ""):
            out.append(_value_json(user, attribute, attribute.default_value, "Default"))
    return json_response(out)


@bp.patch("/users/<user_id>/attribute_values/<attribute_id>")
@operation("set_user_attribute_user_value")
@_answers_directory_errors
def set_user_attribute_user_value(user_id: str, attribute_id: str):
    """Set a user's own value for an attribute."""
    _admin_only()
    user, users = _user(user_id), state().users
    attribute = users.attribute(attribute_id)
    users.set_value(user, attribute, body_json().get("value"))
    return json_response(_value_json(user, attribute, *users.value(user, attribute)))


@bp.delete("/users/<user_id>/attribute_values/<attribute_id>")
@operation("delete_user_attribute_user_value")
@_answers_directory_errors
def delete_user_attribute_user_value(user_id: str, attribute_id: str):
    """Remove a user's own value, so the attribute's default applies again."""
    _admin_only()
    user, users = _user(user_id), state().users
    users.delete_value(user, users.attribute(attribute_id))
    return Response(status=204)


# ---- test controls --------------------------------------------------------------------------------------------
@controls.post("/users/<user_id>/revoke_tokens")
def revoke_user_tokens(user_id: str):
    """Invalidate every token of one user, as an admin ending that user's sessions would."""
    if state().users.user(user_id) is None:
        return error(404, "Not found")
    state().revoke(user_id=user_id)
    return Response(status=204)
