"""Which Looker models clients may reach (ALLOWED_MODELS), checked before any Looker call."""

from __future__ import annotations

from app.config import Settings
from app.errors import ApiError


def model_allowed(model: str, settings: Settings) -> bool:
    """Say whether ALLOWED_MODELS (empty: all) lets clients use a model."""
    return not settings.allowed_models or model in settings.allowed_models


def require_model(model: str, settings: Settings) -> None:
    """Raise 403 for a model outside ALLOWED_MODELS."""
    if not model_allowed(model, settings):
        raise ApiError(403, f"Model '{model}' is not available through this service.")
