"""Which Looker models clients may reach (ALLOWED_MODELS), checked before any Looker call."""

from __future__ import annotations

from flask import current_app

from .config import Settings
from .errors import ApiError


def model_allowed(model: str, settings: Settings | None = None) -> bool:
    """Say whether ALLOWED_MODELS (empty: all) lets clients use a model (the current app's settings by default)."""
    allowed = (settings or current_app.extensions["settings"]).allowed_models
    return not allowed or model in allowed


def require_model(model: str) -> None:
    """Raise 403 for a model outside ALLOWED_MODELS."""
    if not model_allowed(model):
        raise ApiError(403, f"Model '{model}' is not available through this service.")
