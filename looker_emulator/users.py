"""Looker's users as the emulator keeps them: the service account, embed users, user attributes and their values.

Row-level security in Looker rests on this directory: an explore's `access_filter` reads the value a user has for
an attribute (the user's own, else the attribute's default), so what is kept here decides which rows a user sees.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, field

SERVICE_ACCOUNT_ID = "1"
ATTRIBUTE_TYPES = (
    "string",
    "number",
    "datetime",
    "yesno",
    "zipcode",
    "advanced_filter_string",
    "advanced_filter_number",
)
ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DirectoryError(ValueError):
    """A request Looker would refuse, with the status and field errors it would answer."""

    def __init__(self, status: int, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


@dataclass
class UserAttribute:
    """One attribute users carry, such as `brand`; system ones take their value from the user record."""

    id: str
    name: str
    label: str
    type: str = "string"
    default_value: str | None = None
    is_system: bool = False
    value_is_hidden: bool = False
    user_can_view: bool = True
    user_can_edit: bool = False


@dataclass
class User:
    """A Looker user: the service account, or an embed user known by its embedder's external id."""

    id: str
    first_name: str
    last_name: str
    email: str | None = None
    external_user_id: str | None = None
    permissions: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)
    external_group_id: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # attribute id -> the user's own value
    created_at: str = field(default_factory=lambda: _now())
    logged_in_at: str | None = None

    @property
    def is_embed(self) -> bool:
        return self.external_user_id is not None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def system_value(self, name: str) -> str | None:
        """Return the value of a system attribute, read from the record itself."""
        return {
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": self.display_name,
            "locale": "en",
        }.get(name)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Directory:
    """Every user and user attribute of an emulator instance, guarded by one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.users: dict[str, User] = {
            SERVICE_ACCOUNT_ID: User(SERVICE_ACCOUNT_ID, "Emulator", "Service", "service@looker-emulator.local")
        }
        self.attributes: dict[str, UserAttribute] = {}
        for name in ("email", "first_name", "last_name", "name", "locale"):
            self._add_attribute(name, name.replace("_", " ").title(), is_system=True)
        self._add_attribute("brand", "Brand")
        self._add_attribute("region", "Region")

    def _add_attribute(self, name: str, label: str, **extra) -> UserAttribute:
        attribute = UserAttribute(str(len(self.attributes) + 1), name, label, **extra)
        self.attributes[attribute.id] = attribute
        return attribute

    # ---- attributes ------------------------------------------------------------------------------------
    def attribute(self, attribute_id: str) -> UserAttribute:
        """Return an attribute by id, or raise Looker's 404."""
        found = self.attributes.get(attribute_id)
        if found is None:
            raise DirectoryError(404, "Not found")
        return found

    def attribute_named(self, name: str) -> UserAttribute | None:
        return next((a for a in self.attributes.values() if a.name == name), None)

    def create_attribute(self, spec: dict) -> UserAttribute:
        """Create an attribute; name, label and type are required, and name and label are unique."""
        with self.lock:
            errors = self._check_attribute(spec, required=True)
            if errors:
                raise DirectoryError(422, "Validation Failed", errors)
            return self._add_attribute(
                spec["name"],
                spec["label"],
                type=spec["type"],
                default_value=spec.get("default_value"),
                value_is_hidden=bool(spec.get("value_is_hidden", False)),
                user_can_view=bool(spec.get("user_can_view", True)),
                user_can_edit=bool(spec.get("user_can_edit", False)),
            )

    def update_attribute(self, attribute_id: str, spec: dict) -> UserAttribute:
        """Change an attribute's label, type, default or visibility; system attributes stay as they are."""
        with self.lock:
            attribute = self.attribute(attribute_id)
            if attribute.is_system:
                raise DirectoryError(403, "System user attributes cannot be changed")
            errors = self._check_attribute(spec, required=False, own=attribute)
            if errors:
                raise DirectoryError(422, "Validation Failed", errors)
            for key in ("name", "label", "type", "default_value", "value_is_hidden", "user_can_view", "user_can_edit"):
                if key in spec:
                    setattr(attribute, key, spec[key])
            return attribute

    def _check_attribute(self, spec: dict, required: bool, own: UserAttribute | None = None) -> list[dict]:
        errors = []
        for key in ("name", "label", "type"):
            if required and not spec.get(key):
                errors.append({"field": key, "code": "missing", "message": f"{key} is required"})
        others = [a for a in self.attributes.values() if a is not own]
        name, label, kind = spec.get("name"), spec.get("label"), spec.get("type")
        if name and not ATTRIBUTE_NAME.match(str(name)):
            errors.append({"field": "name", "code": "invalid", "message": "lowercase letters, digits and _ only"})
        if name and any(a.name == name for a in others):
            errors.append({"field": "name", "code": "already_exists", "message": f"'{name}' is taken"})
        if label and any(a.label == label for a in others):
            errors.append({"field": "label", "code": "already_exists", "message": f"'{label}' is taken"})
        if kind and kind not in ATTRIBUTE_TYPES:
            errors.append({"field": "type", "code": "invalid", "message": f"'{kind}' is not an attribute type"})
        return errors

    # ---- users -----------------------------------------------------------------------------------------
    def user(self, user_id: str | None) -> User | None:
        return self.users.get(user_id or "")

    def embed_user(self, external_user_id: str) -> User | None:
        """Return the embed user with this external id, if one was made."""
        with self.lock:
            return next((u for u in self.users.values() if u.external_user_id == external_user_id), None)

    def create_embed_user(self, external_user_id: str) -> User:
        """Create an embed user with no models or permissions yet; an external id is used once."""
        if not external_user_id:
            raise DirectoryError(
                422,
                "Validation Failed",
                [{"field": "external_user_id", "code": "missing", "message": "external_user_id is required"}],
            )
        with self.lock:
            if self.embed_user(external_user_id) is not None:
                raise DirectoryError(409, f"An embed user with external_user_id '{external_user_id}' already exists")
            user = User(str(max(int(i) for i in self.users) + 1), "Embed", "User", external_user_id=external_user_id)
            self.users[user.id] = user
            return user

    def sign_in_embed(self, params: dict) -> User:
        """Create or update an embed user from a signed URL's or cookieless session's user fields."""
        external_user_id = str(params["external_user_id"])
        with self.lock:
            user = self.embed_user(external_user_id) or self.create_embed_user(external_user_id)
            user.first_name = str(params.get("first_name") or "Embed")
            user.last_name = str(params.get("last_name") or "User")
            user.permissions = [str(p) for p in params.get("permissions") or []]
            user.models = [str(m) for m in params.get("models") or []]
            user.group_ids = [str(g) for g in params.get("group_ids") or []]
            user.external_group_id = params.get("external_group_id")
            for name, value in (params.get("user_attributes") or {}).items():
                attribute = self.attribute_named(str(name))
                if attribute is None or attribute.is_system:  # Looker ignores names it does not know
                    continue
                if value is None:
                    user.values.pop(attribute.id, None)
                else:
                    user.values[attribute.id] = _attribute_text(value)
            user.logged_in_at = _now()
            return user

    # ---- values ----------------------------------------------------------------------------------------
    def value(self, user: User, attribute: UserAttribute) -> tuple[str | None, str | None]:
        """Return the value a user has for an attribute and where it came from (None, None when unset)."""
        if attribute.is_system:
            return user.system_value(attribute.name), "System"
        with self.lock:
            own = user.values.get(attribute.id)
        if own is not None:
            return own, "User"
        if attribute.default_value not in (None, ""):
            return attribute.default_value, "Default"
        return None, None

    def value_for(self, user: User, name: str) -> str | None:
        """Return a user's value for the attribute of that name: their own, else the default, else None."""
        attribute = self.attribute_named(name)
        return None if attribute is None else self.value(user, attribute)[0]

    def set_value(self, user: User, attribute: UserAttribute, value) -> None:
        """Set a user's own value, which wins over the attribute's default."""
        if attribute.is_system:
            raise DirectoryError(403, f"The value of system attribute '{attribute.name}' cannot be set")
        if value is None:
            raise DirectoryError(
                422, "Validation Failed", [{"field": "value", "code": "missing", "message": "value is required"}]
            )
        with self.lock:
            user.values[attribute.id] = _attribute_text(value)

    def delete_value(self, user: User, attribute: UserAttribute) -> None:
        """Remove a user's own value, so the default (if any) applies again."""
        if attribute.is_system:
            raise DirectoryError(403, f"The value of system attribute '{attribute.name}' cannot be removed")
        with self.lock:
            user.values.pop(attribute.id, None)


def _attribute_text(value) -> str:
    """Return an attribute value as Looker stores it: text (a list given in JSON becomes a comma list)."""
    if isinstance(value, list):
        return ",".join(str(v).replace(",", "^,") for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else json.dumps(value)
